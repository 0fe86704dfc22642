using System;
using System.Collections.Generic;
using System.IO;
using Gleitzeit.Batch.Contract;
using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;

namespace Gleitzeit.Build.Tasks;

/// <summary>
/// The checks the task makes before the worker starts, with the rules the worker uses too: every setting an MSBuild
/// property sets, and every item's metadata. A problem is an error against the file the user must edit.
/// </summary>
internal static class SettingChecks
{
    /// <summary>Logs every problem; true when there was none.</summary>
    public static bool Validate(TaskLoggingHelper log, string projectFile, IEnumerable<ITaskItem> settings, IEnumerable<ITaskItem> items)
    {
        var ok = true;
        foreach (var item in settings)
        {
            var value = item.GetMetadata(BuildContract.ValueAttribute);
            if (value.Length == 0)
            {
                continue;
            }

            var setting = Settings.Find(item.ItemSpec);
            if (setting is null)
            {
                log.LogError(null, DiagnosticCodes.CannotRunHere, null, projectFile, 0, 0, 0, 0, "the package's targets name an unknown setting '{0}': restore the Gleitzeit.Build package again", item.ItemSpec);
                ok = false;
            }
            else if (!SettingParser.TryParse(setting, value, DateTimeOffset.Now, out _, out _))
            {
                log.LogError(null, DiagnosticCodes.InvalidSetting, null, projectFile, 0, 0, 0, 0, "{0}", SettingParser.InvalidValue(setting, setting.SpelledFor(SettingLayer.MSBuild), value));
                ok = false;
            }
        }

        var projectDirectory = Path.GetDirectoryName(Path.GetFullPath(projectFile))!;
        foreach (var item in items)
        {
            // The item definition names the project's batch: an empty Batch was set so (Batch=""), and is an error.
            foreach (var (code, message) in ItemRules.Check(item.GetMetadata, projectDirectory))
            {
                log.LogError(null, code, null, item.GetMetadata("FullPath"), 1, 0, 0, 0, "{0}", message);
                ok = false;
            }
        }

        return ok;
    }
}
