using System;
using System.Collections.Generic;
using System.IO;
using System.Runtime.InteropServices;
using System.Text;
using System.Xml;
using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;

namespace Gleitzeit.Build.Tasks;

/// <summary>
/// Runs the gleitzeit worker out of process (so none of its dependencies load into MSBuild): writes the
/// project's items and properties to a manifest, starts the native worker for this machine when the package has one
/// (<c>gleitzeit build-worker</c>, no JIT: it starts in milliseconds) or else <c>dotnet gleitzeit.dll build-worker</c>,
/// and turns its canonical lines into MSBuild diagnostics.
/// </summary>
public sealed class GleitzeitRun : ToolTask
{
    private const string SummaryPrefix = "gleitzeit-summary: ";
    private const string MissingRuntimeCode = "GZ1005";
    private bool _sawMissingRuntime;
    private bool _native;

    /// <summary>The <c>GleitzeitBatch</c> items.</summary>
    public ITaskItem[] Items { get; set; } = Array.Empty<ITaskItem>();

    /// <summary>The <c>GleitzeitWorkflow</c> items.</summary>
    public ITaskItem[] Workflows { get; set; } = Array.Empty<ITaskItem>();

    [Required]
    public string ManifestPath { get; set; } = string.Empty;

    /// <summary>The portable worker, <c>gleitzeit.dll</c>, run with <c>dotnet</c>.</summary>
    [Required]
    public string WorkerPath { get; set; } = string.Empty;

    /// <summary>The ahead-of-time compiled worker for this machine's runtime, if the package has one.</summary>
    public string? NativeWorkerPath { get; set; }

    [Required]
    public string ProjectFile { get; set; } = string.Empty;

    [Required]
    public string OutputDirectory { get; set; } = string.Empty;

    public string? DotnetHostPath { get; set; }

    public string? NetCoreRoot { get; set; }

    public string? Provider { get; set; }

    public string? Endpoint { get; set; }

    public string? Model { get; set; }

    public string? VisionModel { get; set; }

    public string? MaxConcurrency { get; set; }

    public string? TimeoutSeconds { get; set; }

    public string? RetryAttempts { get; set; }

    public string? MaxFileSize { get; set; }

    public string? CacheDirectory { get; set; }

    public string? CacheMode { get; set; }

    public string? Formats { get; set; }

    public string? FailOnError { get; set; }

    public string? ResultsDirectory { get; set; }

    protected override string ToolName => RuntimeInformation.IsOSPlatform(OSPlatform.Windows) ? "dotnet.exe" : "dotnet";

    protected override MessageImportance StandardOutputLoggingImportance => MessageImportance.Normal;

    protected override MessageImportance StandardErrorLoggingImportance => MessageImportance.Normal;

    public override bool Execute()
    {
        if (!string.IsNullOrEmpty(Provider) && !string.Equals(Provider, "ollama", StringComparison.OrdinalIgnoreCase))
        {
            Log.LogError(null, "GZ1002", null, ProjectFile, 0, 0, 0, 0, "GleitzeitProvider '{0}' is not supported; use 'ollama'", Provider);
            return false;
        }

        if (!File.Exists(WorkerPath))
        {
            Log.LogError(null, MissingRuntimeCode, null, ProjectFile, 0, 0, 0, 0, "the gleitzeit worker is missing at '{0}'; restore the Gleitzeit.Build package again", WorkerPath);
            return false;
        }

        var hasNative = !string.IsNullOrEmpty(NativeWorkerPath) && File.Exists(NativeWorkerPath);
        _native = hasNative && NativeExecutable.EnsureRunnable(NativeWorkerPath!);
        if (hasNative && !_native)
        {
            Log.LogMessage(MessageImportance.Low, "the native worker at '{0}' cannot be run here; using the portable one", NativeWorkerPath);
        }

        WriteManifest();
        return base.Execute();
    }

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
        if (singleLine.StartsWith(SummaryPrefix, StringComparison.Ordinal))
        {
            Log.LogMessage(MessageImportance.High, singleLine.Substring(SummaryPrefix.Length));
        }
        else if (singleLine.IndexOf("You must install or update .NET", StringComparison.Ordinal) >= 0
            || singleLine.IndexOf("The framework 'Microsoft.NETCore.App'", StringComparison.Ordinal) >= 0)
        {
            _sawMissingRuntime = true;
            Log.LogMessage(MessageImportance.Normal, singleLine);
        }
        else
        {
            // Canonical "file: error GZ2004: …" lines become errors and warnings against their file.
            Log.LogMessageFromText(singleLine, messageImportance);
        }
    }

    protected override bool HandleTaskExecutionErrors()
    {
        if (_sawMissingRuntime)
        {
            Log.LogError(null, MissingRuntimeCode, null, ProjectFile, 0, 0, 0, 0, "the gleitzeit worker needs the .NET 10 runtime (or later); install it, or build with the .NET 10 SDK");
            return false;
        }

        if (Log.HasLoggedErrors)
        {
            return false;
        }

        return base.HandleTaskExecutionErrors();
    }

    private void WriteManifest()
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(ManifestPath))!);
        var settings = new XmlWriterSettings { Indent = true, Encoding = new UTF8Encoding(false), NewLineChars = "\n" };
        using var writer = XmlWriter.Create(ManifestPath, settings);
        writer.WriteStartElement("GleitzeitBuild");
        writer.WriteAttributeString("Version", "1");
        writer.WriteAttributeString("Project", Path.GetFullPath(ProjectFile));
        writer.WriteAttributeString("ProjectDirectory", Path.GetDirectoryName(Path.GetFullPath(ProjectFile))!);
        writer.WriteAttributeString("OutputDirectory", Path.GetFullPath(OutputDirectory));
        foreach (var property in Properties())
        {
            writer.WriteStartElement("Property");
            writer.WriteAttributeString("Name", property.Key);
            writer.WriteAttributeString("Value", property.Value ?? string.Empty);
            writer.WriteEndElement();
        }

        foreach (var item in Items)
        {
            writer.WriteStartElement("Item");
            writer.WriteAttributeString("Path", item.GetMetadata("FullPath"));
            foreach (var name in new[] { "Batch", "Prompt", "SystemPrompt", "Model", "Vision", "Temperature", "Seed", "Format", "OutputFile" })
            {
                var value = item.GetMetadata(name);
                if (!string.IsNullOrEmpty(value))
                {
                    writer.WriteAttributeString(name, value);
                }
            }

            writer.WriteEndElement();
        }

        foreach (var workflow in Workflows)
        {
            writer.WriteStartElement("Workflow");
            writer.WriteAttributeString("Path", workflow.GetMetadata("FullPath"));
            writer.WriteEndElement();
        }

        writer.WriteEndElement();
    }

    private IEnumerable<KeyValuePair<string, string?>> Properties()
    {
        yield return new KeyValuePair<string, string?>("Endpoint", Endpoint);
        yield return new KeyValuePair<string, string?>("Model", Model);
        yield return new KeyValuePair<string, string?>("VisionModel", VisionModel);
        yield return new KeyValuePair<string, string?>("MaxConcurrency", MaxConcurrency);
        yield return new KeyValuePair<string, string?>("TimeoutSeconds", TimeoutSeconds);
        yield return new KeyValuePair<string, string?>("RetryAttempts", RetryAttempts);
        yield return new KeyValuePair<string, string?>("MaxFileSize", MaxFileSize);
        yield return new KeyValuePair<string, string?>("CacheDirectory", CacheDirectory);
        yield return new KeyValuePair<string, string?>("CacheMode", CacheMode);
        yield return new KeyValuePair<string, string?>("Formats", Formats);
        yield return new KeyValuePair<string, string?>("FailOnError", FailOnError);
        yield return new KeyValuePair<string, string?>("ResultsDirectory", ResultsDirectory);
    }
}
