using System;
using System.IO;
using System.Linq;
using System.Security.Cryptography;
using System.Text;
using Gleitzeit.Batch.Contract;
using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;

namespace Gleitzeit.Build.Tasks;

/// <summary>
/// Runs in every build, before <c>GleitzeitRun</c> decides whether it is up to date, once <see cref="GleitzeitFilterInputs"/>
/// has checked the settings and items. It removes the artifacts of batches that have no items any more
/// (<see cref="StaleArtifacts"/>), then writes <c>gleitzeit.settings.cache</c> (an input
/// of <c>GleitzeitRun</c>) only when something that can change the artifacts changed, like the SDK's
/// <c>CoreCompileInputs.cache</c>: every setting, every environment variable the settings table reads, the config
/// files that apply (their content), every item with its metadata, the workflows and the expected artifacts. So a
/// <c>model:</c> edited in <c>.gleitzeit/config.yaml</c> or <c>GLEITZEIT_MODEL=…</c> re-runs the target, and nothing else does.
/// </summary>
public sealed class GleitzeitCheckInputs : Task
{
    /// <summary>The <c>_GleitzeitSetting</c> items.</summary>
    public ITaskItem[] Settings { get; set; } = [];

    /// <summary>The <c>GleitzeitBatch</c> items.</summary>
    public ITaskItem[] Items { get; set; } = [];

    /// <summary>The <c>GleitzeitWorkflow</c> items.</summary>
    public ITaskItem[] Workflows { get; set; } = [];

    /// <summary>The expected artifacts.</summary>
    public ITaskItem[] Outputs { get; set; } = [];

    /// <summary>The artifacts' directory: artifacts of batches that have no items any more are removed from it.</summary>
    public string OutputDirectory { get; set; } = string.Empty;

    /// <summary>The OutputFiles the last run left (<see cref="WrittenOutputs"/>).</summary>
    public string WrittenOutputsFile { get; set; } = string.Empty;

    /// <summary>The project file: config files are looked up from its folder.</summary>
    [Required]
    public string ProjectFile { get; set; } = string.Empty;

    /// <summary>The file to write.</summary>
    [Required]
    public string File { get; set; } = string.Empty;

    public override bool Execute()
    {
        var verifying = IsTrue(Batch.Contract.Settings.Verify.Key) || string.Equals(Environment.GetEnvironmentVariable(Batch.Contract.Settings.Verify.Environment!), "true", StringComparison.OrdinalIgnoreCase);
        var names = Outputs.Select(o => o.GetMetadata(BuildContract.Metadata.Batch)).Where(n => n.Length > 0);
        if (!StaleArtifacts.Settle(Log, Path.GetDirectoryName(Path.GetFullPath(ProjectFile))!, OutputDirectory, names, verifying))
        {
            return false;
        }

        var text = new StringBuilder();
        text.Append("manifest ").Append(BuildContract.ManifestVersion).Append('\n');
        foreach (var setting in Settings.OrderBy(s => s.ItemSpec, StringComparer.Ordinal))
        {
            text.Append("setting ").Append(setting.ItemSpec).Append('=').Append(setting.GetMetadata(BuildContract.ValueAttribute)).Append('\n');
        }

        var home = Environment.GetEnvironmentVariable("GLEITZEIT_HOME");
        text.Append("env GLEITZEIT_HOME=").Append(home).Append('\n');
        // The providers' address variables count (they decide which service answers); their key variables do not, and
        // their values never reach this file, not even hashed.
        var variables = Batch.Contract.Settings.All.Select(s => s.Environment).Concat(ProviderPresets.All.Select(p => p.EndpointVariable));
        foreach (var variable in variables.Where(v => v is not null).Distinct(StringComparer.Ordinal))
        {
            text.Append("env ").Append(variable).Append('=').Append(Environment.GetEnvironmentVariable(variable!)).Append('\n');
        }

        var gleitzeitHome = string.IsNullOrWhiteSpace(home)
            ? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".gleitzeit")
            : Path.GetFullPath(home!.StartsWith("~", StringComparison.Ordinal) ? Environment.GetFolderPath(Environment.SpecialFolder.UserProfile) + home.Substring(1) : home);
        foreach (var config in ConfigFiles.Find(Path.GetDirectoryName(Path.GetFullPath(ProjectFile))!, gleitzeitHome))
        {
            text.Append("config ").Append(config).Append(' ').Append(Hash(ReadOrEmpty(config))).Append('\n');
        }

        foreach (var item in Items.OrderBy(i => i.GetMetadata("FullPath"), StringComparer.Ordinal))
        {
            text.Append("item ").Append(item.GetMetadata("FullPath"));
            foreach (var name in BuildContract.Metadata.All)
            {
                text.Append('\0').Append(name).Append('=').Append(item.GetMetadata(name));
            }

            text.Append('\n');
        }

        foreach (var workflow in Workflows)
        {
            text.Append("workflow ").Append(workflow.GetMetadata("FullPath")).Append('\n');
        }

        foreach (var output in Outputs)
        {
            text.Append("output ").Append(output.GetMetadata("FullPath")).Append('\n');
        }

        // An OutputFile deleted since the last run re-runs the target, which writes it again.
        foreach (var missing in WrittenOutputs.Missing(WrittenOutputsFile))
        {
            text.Append("missing ").Append(missing).Append('\n');
        }

        // A local model named by path: replacing the file must re-run the target (its SHA-256 is taken by the worker).
        var projectDirectory = Path.GetDirectoryName(Path.GetFullPath(ProjectFile))!;
        var models = Settings.Where(s => s.ItemSpec == Batch.Contract.Settings.Model.Key).Select(s => s.GetMetadata(BuildContract.ValueAttribute))
            .Concat(Items.Select(i => i.GetMetadata(BuildContract.Metadata.Model)))
            .Append(Environment.GetEnvironmentVariable(Batch.Contract.Settings.Model.Environment!));
        foreach (var model in models.Where(m => !string.IsNullOrWhiteSpace(m) && m!.IndexOf("://", StringComparison.Ordinal) < 0).Distinct(StringComparer.Ordinal))
        {
            var file = new FileInfo(Path.Combine(projectDirectory, model!.Trim()));
            if (file.Exists)
            {
                text.Append("model-file ").Append(file.FullName).Append(' ').Append(file.Length).Append(' ').Append(file.LastWriteTimeUtc.Ticks).Append('\n');
            }
        }

        if (IsTrue(Batch.Contract.Settings.CheckModels.Key) || verifying)
        {
            // Asked to check the models' digests, or to verify the artifacts (a fresh clone's timestamps say nothing
            // about whether they are current): the target runs every time.
            text.Append("check ").Append(Guid.NewGuid().ToString("N")).Append('\n');
        }

        var content = "gleitzeit.settings.v2 " + Hash(Encoding.UTF8.GetBytes(text.ToString())) + "\n";
        if (ReadText(File) != content)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(File))!);
            System.IO.File.WriteAllText(File, content, new UTF8Encoding(false));
        }

        return true;
    }

    private bool IsTrue(string key) =>
        string.Equals(Settings.FirstOrDefault(s => s.ItemSpec == key)?.GetMetadata(BuildContract.ValueAttribute), "true", StringComparison.OrdinalIgnoreCase);

    private static string Hash(byte[] bytes)
    {
        using var sha = SHA256.Create();
        return BitConverter.ToString(sha.ComputeHash(bytes)).Replace("-", string.Empty).ToLowerInvariant();
    }

    private static byte[] ReadOrEmpty(string path)
    {
        try
        {
            return System.IO.File.ReadAllBytes(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return [];
        }
    }

    private static string? ReadText(string path)
    {
        try
        {
            return System.IO.File.ReadAllText(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}
