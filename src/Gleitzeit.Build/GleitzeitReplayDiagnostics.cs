using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;

namespace Gleitzeit.Build.Tasks;

/// <summary>Reports again the warnings and errors of the last run of <c>GleitzeitRun</c> when it is up to date (<see cref="DiagnosticsReplay"/>).</summary>
public sealed class GleitzeitReplayDiagnostics : Task
{
    /// <summary>The file <c>GleitzeitRun</c> keeps them in.</summary>
    [Required]
    public string File { get; set; } = string.Empty;

    public override bool Execute()
    {
        DiagnosticsReplay.Replay(Log, File);
        return !Log.HasLoggedErrors;
    }
}
