using System.Globalization;

namespace Gleitzeit.Cli.Tests.Commands;

/// <summary>Every row of the settings table that has a flag: reachable from the command line, with the one message a bad value gets everywhere.</summary>
public sealed class SettingFlagTests : IAsyncLifetime
{
    private CliHarness _h = null!;

    public async Task InitializeAsync()
    {
        _h = await CliHarness.StartAsync();
        _h.ThreeDocs();
    }

    public async Task DisposeAsync() => await _h.DisposeAsync();

    public static TheoryData<string> Flags()
    {
        var rows = new TheoryData<string>();
        foreach (var setting in Settings.All.Where(s => s.Flag is not null && s.Kind != SettingKind.Boolean))
        {
            rows.Add(setting.Key);
        }

        return rows;
    }

    [Theory]
    [MemberData(nameof(Flags))]
    public async Task BadValueOnTheCommandLine_GetsTheTablesMessage_NamingTheFlag(string key)
    {
        var setting = Settings.Find(key)!;
        var text = setting.Kind switch
        {
            SettingKind.Integer => ((long)setting.Maximum + 1).ToString(CultureInfo.InvariantCulture),
            SettingKind.Size => "0.5",
            SettingKind.Seconds => "1e308",
            SettingKind.Choice => "sometimes",
            SettingKind.Address => "ftp://x",
            SettingKind.DateOrAge => "last tuesday",
            SettingKind.AutoOrInteger => "-3",
            _ => " ",
        };

        var result = await _h.RunAsync("batch", "docs", setting.Flag!, text);

        Assert.Equal(2, result.ExitCode);
        Assert.Equal($"gleitzeit: error GZ1002: invalid value '{text}' for {setting.Flag}: {SettingParser.Expectation(setting)}", result.Error.Split('\n')[0]);
        Assert.Empty(_h.Server.ChatRequests);
    }
}
