using System;
using System.IO;
using System.Runtime.InteropServices;
using Gleitzeit.Batch.Contract;
using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;

namespace Gleitzeit.Build.Tasks;

/// <summary>
/// Runs the gleitzeit worker out of process (so none of its dependencies load into MSBuild): writes the settings and
/// items (checked already by <see cref="GleitzeitCheckInputs"/>) to a manifest, starts the native worker for this machine when the package has one
/// (<c>gleitzeit build-worker</c>, no JIT) or else <c>dotnet gleitzeit.dll build-worker</c>, and turns its canonical
/// lines into MSBuild diagnostics. The worker ends by itself when this build process is gone.
/// </summary>
public sealed class GleitzeitRun : ToolTask
{
    private readonly System.Collections.Generic.List<string> _reported = [];
    private bool _sawMissingRuntime;
    private bool _native;

    /// <summary>The <c>GleitzeitBatch</c> items; their metadata becomes the manifest's items.</summary>
    public ITaskItem[] Items { get; set; } = [];

    /// <summary>The <c>GleitzeitWorkflow</c> items: workflow YAML files run with the project's settings.</summary>
    public ITaskItem[] Workflows { get; set; } = [];

    /// <summary>
    /// <c>_GleitzeitSetting</c> items: <c>Include</c> is a settings-table key (<c>cache_mode</c>), <c>Value</c> the MSBuild
    /// property's value; each becomes the worker's setting of that key, checked here first.
    /// </summary>
    public ITaskItem[] Settings { get; set; } = [];

    /// <summary><c>@(GleitzeitOutput)</c> with <c>Batch</c> and <c>Format</c>: the worker writes exactly these files.</summary>
    public ITaskItem[] Outputs { get; set; } = [];

    /// <summary>Where the manifest is written (under <c>obj/</c>).</summary>
    [Required]
    public string ManifestPath { get; set; } = string.Empty;

    /// <summary>The portable worker, <c>gleitzeit.dll</c>, run with <c>dotnet</c>.</summary>
    [Required]
    public string WorkerPath { get; set; } = string.Empty;

    /// <summary>The ahead-of-time compiled worker for this machine's runtime, if the package has one.</summary>
    public string? NativeWorkerPath { get; set; }

    /// <summary>The project file: diagnostics about settings point at it, and item names are relative to its folder.</summary>
    [Required]
    public string ProjectFile { get; set; } = string.Empty;

    /// <summary>The <c>dotnet</c> that runs this build (<c>$(DOTNET_HOST_PATH)</c>), for the portable worker.</summary>
    public string? DotnetHostPath { get; set; }

    /// <summary><c>$(NetCoreRoot)</c>, where to look for <c>dotnet</c> when the host path is not set.</summary>
    public string? NetCoreRoot { get; set; }

    /// <summary>Where the warnings and errors of this run are kept for up-to-date builds to report again.</summary>
    public string? DiagnosticsFile { get; set; }

    /// <summary>Where the OutputFiles that exist after this run are listed: one deleted later re-runs the target.</summary>
    public string? WrittenOutputsFile { get; set; }

    /// <summary>True once the task has run (not set when MSBuild skips the target as up to date).</summary>
    [Output]
    public bool Ran { get; set; }

    protected override string ToolName => RuntimeInformation.IsOSPlatform(OSPlatform.Windows) ? "dotnet.exe" : "dotnet";

    protected override MessageImportance StandardOutputLoggingImportance => MessageImportance.Normal;

    protected override MessageImportance StandardErrorLoggingImportance => MessageImportance.Normal;

    public override bool Execute()
    {
        if (!File.Exists(WorkerPath))
        {
            Log.LogError(null, DiagnosticCodes.CannotRunHere, null, ProjectFile, 0, 0, 0, 0, "the gleitzeit worker is missing at '{0}'; restore the Gleitzeit.Build package again", WorkerPath);
            return false;
        }

        var hasNative = !string.IsNullOrEmpty(NativeWorkerPath) && File.Exists(NativeWorkerPath);
        _native = hasNative && NativeExecutable.EnsureRunnable(NativeWorkerPath!);
        if (hasNative && !_native)
        {
            Log.LogMessage(MessageImportance.Low, "the native worker at '{0}' cannot be run here; using the portable one", NativeWorkerPath);
        }

        ManifestWriter.Write(ManifestPath, ProjectFile, Settings, Items, Workflows, Outputs);

        // Values with secrets reach the worker through its environment, never through a file.
        var secrets = new System.Collections.Generic.List<string>(EnvironmentVariables ?? []);
        foreach (var setting in Settings)
        {
            var value = setting.GetMetadata(BuildContract.ValueAttribute);
            if (value.Length > 0 && Secrets.HasSecrets(value))
            {
                secrets.Add(Secrets.EnvironmentVariableFor(setting.ItemSpec) + "=" + value);
            }
        }

        EnvironmentVariables = [.. secrets];

        // SIGTERM (a cancelled CI job, docker stop) ends `dotnet build` through ProcessExit, with exit code 0 and no word.
        AppDomain.CurrentDomain.ProcessExit += OnProcessExit;
        Ran = true;
        try
        {
            var result = base.Execute();
            if (!string.IsNullOrEmpty(DiagnosticsFile))
            {
                // A run that ended by itself is what an up-to-date build repeats; a cancelled or crashed one is not.
                DiagnosticsReplay.Save(DiagnosticsFile!, ExitCode is 0 or 1 ? _reported : []);
            }

            if (!string.IsNullOrEmpty(WrittenOutputsFile))
            {
                WrittenOutputs.Save(WrittenOutputsFile!, ProjectFile, Items);
            }

            return result;
        }
        finally
        {
            AppDomain.CurrentDomain.ProcessExit -= OnProcessExit;
        }
    }

    // The build is being ended while the worker runs: say so, make the exit code say so, and stop the worker now
    // (it would stop within a second by itself, seeing its parent gone). Finished items are recorded and cached.
    private void OnProcessExit(object? sender, EventArgs e)
    {
        if (Environment.ExitCode == 0)
        {
            Environment.ExitCode = 143;
        }

        Console.Error.WriteLine($"{ProjectFile}: error {DiagnosticCodes.Cancelled}: the build was ended (SIGTERM) while Gleitzeit was running; finished items are kept, and the next build sends only the rest");
        try
        {
            Cancel();
        }
        catch (Exception ex) when (ex is InvalidOperationException or System.ComponentModel.Win32Exception)
        {
        }
    }

    /// <summary>The project's folder: a relative path in a setting (a local model's GGUF file) means the same whichever folder the build was started from.</summary>
    protected override string GetWorkingDirectory() => Path.GetDirectoryName(Path.GetFullPath(ProjectFile)) ?? base.GetWorkingDirectory();

    protected override string GenerateFullPathToTool()
    {
        if (_native)
        {
            return NativeWorkerPath!;
        }

        if (!string.IsNullOrEmpty(DotnetHostPath) && File.Exists(DotnetHostPath))
        {
            return DotnetHostPath!;
        }

        if (!string.IsNullOrEmpty(NetCoreRoot))
        {
            var candidate = Path.Combine(NetCoreRoot, ToolName);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        return ToolName;
    }

    protected override string GenerateCommandLineCommands()
    {
        var builder = new CommandLineBuilder();
        if (!_native)
        {
            builder.AppendFileNameIfNotNull(WorkerPath);
        }

        builder.AppendSwitch("build-worker");
        builder.AppendSwitchIfNotNull("--manifest ", ManifestPath);
        return builder.ToString();
    }

    protected override void LogEventsFromTextOutput(string singleLine, MessageImportance messageImportance)
    {
        if (singleLine.StartsWith(BuildContract.SummaryPrefix, StringComparison.Ordinal))
        {
            Log.LogMessage(MessageImportance.High, singleLine.Substring(BuildContract.SummaryPrefix.Length));
        }
        else if (Diagnostic.TryParse(singleLine, out var diagnostic))
        {
            // A line number always: CI problem matchers (GitHub's csc matcher) annotate only `file(line…): error CODE:`.
            var line = diagnostic!.Line > 0 ? diagnostic.Line : 1;
            _reported.Add(new Diagnostic(diagnostic.Severity, diagnostic.Code, diagnostic.File, diagnostic.Message, line, diagnostic.Column).ToString());
            if (diagnostic.IsError)
            {
                Log.LogError(null, diagnostic.Code, null, diagnostic.File, line, diagnostic.Column, 0, 0, "{0}", diagnostic.Message);
            }
            else
            {
                Log.LogWarning(null, diagnostic.Code, null, diagnostic.File, line, diagnostic.Column, 0, 0, "{0}", diagnostic.Message);
            }
        }
        else if (singleLine.IndexOf("You must install or update .NET", StringComparison.Ordinal) >= 0
            || singleLine.IndexOf("The framework 'Microsoft.NETCore.App'", StringComparison.Ordinal) >= 0)
        {
            _sawMissingRuntime = true;
            Log.LogMessage(MessageImportance.Normal, singleLine);
        }
        else
        {
            Log.LogMessage(messageImportance, "{0}", singleLine);
        }
    }

    protected override bool HandleTaskExecutionErrors()
    {
        if (_sawMissingRuntime)
        {
            Log.LogError(null, DiagnosticCodes.CannotRunHere, null, ProjectFile, 0, 0, 0, 0, "the gleitzeit worker needs the .NET 10 runtime (or later); install it, or build with the .NET 10 SDK");
            return false;
        }

        if (Log.HasLoggedErrors)
        {
            return false;
        }

        return base.HandleTaskExecutionErrors();
    }
}
