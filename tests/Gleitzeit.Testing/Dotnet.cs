using System.Diagnostics;

namespace Gleitzeit.Testing;

/// <summary>Runs the dotnet CLI as a child process, with MSBuild's own variables of the test host removed.</summary>
public static class Dotnet
{
    public static DotnetResult Run(string workingDirectory, IReadOnlyDictionary<string, string>? environment, params string[] args) =>
        Run(workingDirectory, environment, TimeSpan.FromMinutes(5), args);

    /// <summary>Runs dotnet bounded by <paramref name="limit"/> (a pack that compiles ahead of time for several runtimes takes longer on a loaded machine).</summary>
    public static DotnetResult Run(string workingDirectory, IReadOnlyDictionary<string, string>? environment, TimeSpan limit, params string[] args)
    {
        using var process = Start(workingDirectory, environment, args);
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(limit))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"dotnet {string.Join(' ', args)} did not finish in {limit.TotalMinutes:0} minutes");
        }

        return new DotnetResult(process.ExitCode, stdout.Result + stderr.Result);
    }

    /// <summary>Runs any program to its end (bounded to a minute) and returns its exit code and output.</summary>
    public static DotnetResult RunProgram(string program, params string[] args)
    {
        var info = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(1)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{program} did not finish in a minute");
        }

        return new DotnetResult(process.ExitCode, stdout.Result + stderr.Result);
    }

    /// <summary>Starts the dotnet CLI without waiting for it; its output is redirected.</summary>
    public static Process Start(string workingDirectory, IReadOnlyDictionary<string, string>? environment, params string[] args)
    {
        var info = Signals.StartInfo("dotnet");
        info.WorkingDirectory = workingDirectory;
        info.RedirectStandardOutput = true;
        info.RedirectStandardError = true;
        info.UseShellExecute = false;
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        foreach (var name in info.Environment.Keys.Where(k => k.StartsWith("MSBuild", StringComparison.OrdinalIgnoreCase) || k.StartsWith("VSTEST", StringComparison.OrdinalIgnoreCase)).ToList())
        {
            info.Environment.Remove(name);
        }

        info.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        info.Environment["DOTNET_NOLOGO"] = "1";
        info.Environment["MSBUILDDISABLENODEREUSE"] = "1";
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            info.Environment[name] = value;
        }

        return Process.Start(info)!;
    }
}

/// <summary>Exit code and combined output of a dotnet command.</summary>
public sealed record DotnetResult(int ExitCode, string Output)
{
    public override string ToString() => $"exit {ExitCode}\n{Output}";
}
