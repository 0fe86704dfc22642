using System.CommandLine;
using System.Globalization;
using Gleitzeit.Batch.Configuration;
using Gleitzeit.Batch.Export;
using Gleitzeit.Batch.Providers;
using Gleitzeit.Batch.Providers.Local;
using Gleitzeit.Batch.Results;

using Gleitzeit.Cli.Json;
using Gleitzeit.Cli.Rendering;

namespace Gleitzeit.Cli.Commands;

/// <summary><c>batch-list</c>, <c>batch-show</c>, <c>batch-resume</c>, <c>batch-export</c>: the batches that the CLI, builds and workflows recorded.</summary>
internal sealed class BatchManagementCommands(CliContext context)
{
    private readonly SettingsOptions _settings = new(SettingsOptions.Running);

    public IEnumerable<Command> Build()
    {
        var list = new Command("batch-list", "List recorded batches, newest first");
        var listOptions = Records(list);
        var listJson = JsonOption("Print the batches as JSON (see docs/cli.md, \"Scripting\")");
        list.Options.Add(listJson);
        list.SetAction((parse, _) => CliErrors.Guard(context, () => Task.FromResult(List(listOptions.Resolve(parse, context), parse.GetValue(listJson)))));
        yield return list;

        var showId = IdArgument();
        var show = new Command("batch-show", "Show each item of a batch: status, time, first line of the result or the error");
        show.Arguments.Add(showId);
        var showOptions = Records(show);
        var showJson = JsonOption("Print the batch and every item (whole results and errors) as JSON (see docs/cli.md, \"Scripting\")");
        show.Options.Add(showJson);
        show.SetAction((parse, _) => CliErrors.Guard(context, () =>
        {
            var record = Load(showOptions.Resolve(parse, context), parse.GetValue(showId)!);
            return Task.FromResult(parse.GetValue(showJson) ? ShowJson(record) : Show(record));
        }));
        yield return show;

        var resumeId = IdArgument();
        var resume = new Command("batch-resume", "Run again only the failed and unfinished items of a batch, as it ran: its prompt, model, provider, server and run settings (--retries, timeouts, --concurrency, quotas, cache); flags given here override them");
        resume.Arguments.Add(resumeId);
        _settings.AddTo(resume);
        resume.SetAction((parse, cancellation) => CliErrors.Guard(context, () => ResumeAsync(parse, parse.GetValue(resumeId)!, cancellation)));
        yield return resume;

        var exportId = IdArgument();
        var format = new Option<string?>("--format") { Description = "json, csv or markdown (default: from the --output file's suffix, else json)" };
        var output = new Option<string?>("--output", "-o") { Description = "File to write (standard output when not given)" };
        var export = new Command("batch-export", "Export a batch's results as JSON, CSV or Markdown");
        export.Arguments.Add(exportId);
        export.Options.Add(format);
        export.Options.Add(output);
        var exportOptions = Records(export);
        export.SetAction((parse, _) => CliErrors.Guard(context, () => Task.FromResult(Export(Load(exportOptions.Resolve(parse, context), parse.GetValue(exportId)!), parse.GetValue(format), parse.GetValue(output)))));
        yield return export;
    }

    private static Option<bool> JsonOption(string description) => new("--json") { Description = description };

    private static Argument<string> IdArgument() => new("batch-id") { Description = "A batch id from batch-list, or 'last'" };

    private static SettingsOptions Records(Command command)
    {
        var options = new SettingsOptions(Settings.ResultsDirectory);
        options.AddTo(command);
        return options;
    }

    private BatchRecord Load(BatchSettings settings, string id)
    {
        var store = new ResultStore(settings.ResultsDirectory);
        if (id is "last" or "latest")
        {
            return store.List().Records.FirstOrDefault() ?? throw new CliException($"no batches recorded in {store.Directory} yet", DiagnosticCodes.InvalidSetting);
        }

        return store.Load(id) ?? throw new CliException($"no batch '{id}' in {store.Directory}; run `gleitzeit batch-list` to see the ids", DiagnosticCodes.InvalidSetting);
    }

    private int List(BatchSettings settings, bool json)
    {
        var listing = new ResultStore(settings.ResultsDirectory).List();
        var records = listing.Records;
        foreach (var damaged in listing.Damaged)
        {
            context.Error.WriteLine($"warning: {Diagnostic.OneLine(damaged.Message)}");
        }

        if (json)
        {
            CliJsonContext.Write(context.Out, new BatchListJson(settings.ResultsDirectory, [.. records.Select(BatchViews.Of)]), c => c.BatchListJson);
            return ExitCodes.Success;
        }

        if (records.Count == 0)
        {
            context.Out.WriteLine($"No batches recorded in {settings.ResultsDirectory} yet.");
            return ExitCodes.Success;
        }

        var rows = records.Select(r => new[]
        {
            r.BatchId,
            r.CreatedAt.ToLocalTime().ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture),
            r.TotalFiles.ToString(CultureInfo.InvariantCulture),
            r.Successful.ToString(CultureInfo.InvariantCulture),
            r.Failed.ToString(CultureInfo.InvariantCulture),
            r.Cached.ToString(CultureInfo.InvariantCulture),
            r.Source.ToString().ToLowerInvariant(),
            r.Status.ToString().ToLowerInvariant() + (r.RemoteBatches.Count == 0 ? string.Empty : $" [{string.Join(", ", r.RemoteBatches.Select(p => $"{p.Key} {p.Value.Status}"))}]") + (r.Plan.Name is null ? string.Empty : $" ({r.Plan.Name})"),
        }).ToList();
        TextTable.Write(context.Out, ["ID", "DATE", "TOTAL", "OK", "FAILED", "CACHED", "SOURCE", "STATUS"], rows);
        return ExitCodes.Success;
    }

    private int Show(BatchRecord record)
    {
        context.Out.WriteLine($"Batch {record.BatchId} ({record.Source.ToString().ToLowerInvariant()}{(record.Plan.Name is null ? string.Empty : ": " + record.Plan.Name)}), {record.Status.ToString().ToLowerInvariant()}");
        context.Out.WriteLine($"Created {record.CreatedAt.ToLocalTime().ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture)}; {record.TotalFiles} files: {record.Successful} ok ({record.Cached} from cache), {record.Failed} failed, {record.Skipped} skipped{(record.Submitted == 0 ? string.Empty : $", {record.Submitted} submitted")}");
        foreach (var (name, value) in record.Plan.ExportParameters)
        {
            var text = value is System.Text.Json.Nodes.JsonValue scalar && scalar.TryGetValue<string>(out var plain) ? plain : value?.ToJsonString() ?? string.Empty;
            context.Out.WriteLine($"  {name}: {RunPresenter.Shorten(text, 100)}");
        }

        if (record.Error is not null)
        {
            context.Out.WriteLine($"Stopped: {record.ErrorCode}: {record.Error}");
        }

        foreach (var (id, remote) in record.RemoteBatches)
        {
            context.Out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Remote batch {id}: {remote.Status}, {remote.Completed}/{remote.Total} answered, {remote.Failed} failed{(remote.Collected ? ", collected" : string.Empty)} (seen {remote.SeenAt.ToLocalTime():yyyy-MM-dd HH:mm:ss})"));
        }

        context.Out.WriteLine();
        var rows = record.Plan.Items.OrderBy(i => i.File, StringComparer.Ordinal).Select(item =>
        {
            if (!record.Results.TryGetValue(item.File, out var result))
            {
                return new[] { "pending", "-", "-", Diagnostic.OneLine(item.File), "not run yet" };
            }

            var text = result.Status == ItemResult.Success ? FirstLine(result.Result) : Diagnostic.OneLine(result.Error);
            var servedBy = result.ServedBy is { } by ? $"{by.Model}{(by.SystemFingerprint is null ? string.Empty : $" ({by.SystemFingerprint})")}" : "-";
            return [result.Status + (result.Cached ? " (cached)" : string.Empty), ExportDocument.Seconds(result.ProcessingTime) + "s", servedBy, Diagnostic.OneLine(item.File), text];
        }).ToList();
        if (rows.All(r => r[2] == "-"))
        {
            rows = [.. rows.Select(r => (string[])[r[0], r[1], r[3], r[4]])];
            TextTable.Write(context.Out, ["STATUS", "TIME", "FILE", "RESULT"], rows);
        }
        else
        {
            TextTable.Write(context.Out, ["STATUS", "TIME", "SERVED BY", "FILE", "RESULT"], rows);
        }

        var failing = record.Plan.Items.OrderBy(i => i.File, StringComparer.Ordinal)
            .Select(i => (i.File, Checks: record.Results.GetValueOrDefault(i.File)?.Checks))
            .Where(p => p.Checks is { Pass: false })
            .ToList();
        if (failing.Count > 0)
        {
            context.Out.WriteLine();
            context.Out.WriteLine($"Checks failed ({failing.Count}):");
            foreach (var (file, checks) in failing)
            {
                foreach (var reason in (checks!.Failed ?? []).Select(f => $"{f.Check}: {f.Reason}").Append(checks.JudgeError is null ? null : $"judge: {checks.JudgeError}").OfType<string>())
                {
                    context.Out.WriteLine($"  {Diagnostic.OneLine(file)}: {Diagnostic.OneLine(reason)}");
                }
            }
        }

        return ExitCodes.Success;
    }

    private int ShowJson(BatchRecord record)
    {
        CliJsonContext.Write(context.Out, BatchViews.Detail(record), c => c.BatchShowJson);
        return ExitCodes.Success;
    }

    private async Task<int> ResumeAsync(ParseResult parse, string id, CancellationToken cancellation)
    {
        var settings = _settings.Resolve(parse, context);
        var record = Load(settings, id);
        settings = ResumeSettings(parse, record, settings);

        var remaining = record.Unfinished.Count();
        if (remaining == 0)
        {
            context.Out.WriteLine($"Batch {record.BatchId}: all {record.TotalFiles} items already succeeded; nothing to resume.");
            return ExitCodes.Success;
        }

        return await RunPresenter.RunAsync(context, settings, $"Resuming {record.BatchId}: {remaining} of {record.TotalFiles} items", (engine, _) => engine.ResumeAsync(record.BatchId, cancellation), null, null);
    }

    // A resume runs where and how the batch ran (its provider, server, key variable and models directory, relative
    // model paths from its directory), unless the command line says otherwise.
    private BatchSettings ResumeSettings(ParseResult parse, BatchRecord record, BatchSettings settings)
    {
        // Records of earlier versions name no provider: the local model shows by its description instead of an address.
        var provider = record.Provider ?? (record.Endpoint == LocalChatProvider.Description ? ProviderPresets.Local.Kind : null);
        if (provider is not null && !_settings.IsGiven(parse, Settings.Provider))
        {
            settings = Recorded(settings, record, Settings.Provider, provider);
        }

        if (record.WorkingDirectory is { } directory)
        {
            settings = settings with { WorkingDirectory = directory };
        }

        foreach (var (key, value) in record.RunSettings ?? [])
        {
            if (RunSettings.Kept.FirstOrDefault(s => s.Key == key) is { } setting && !_settings.IsGiven(parse, setting))
            {
                settings = Recorded(settings, record, setting, value);
            }
        }

        if (provider is not null && !string.Equals(provider, settings.Provider, StringComparison.OrdinalIgnoreCase))
        {
            // Resumed with another provider: the rest of what the record says belongs to the one it ran with.
            return settings;
        }

        if (record.ModelsDirectory is { } models && !_settings.IsGiven(parse, Settings.ModelsDirectory))
        {
            settings = Recorded(settings, record, Settings.ModelsDirectory, models);
        }

        if (record.ApiKeyVariable is { } variable && !_settings.IsGiven(parse, Settings.ApiKeyVariable))
        {
            settings = Recorded(settings, record, Settings.ApiKeyVariable, variable);
        }

        if (!ProviderPresets.For(settings.Provider).InProcess && record.Endpoint is not null && !_settings.IsGiven(parse, Settings.Endpoint))
        {
            settings = Recorded(settings, record, Settings.Endpoint, ResumeEndpoint(record, settings));
        }

        return settings;
    }

    private BatchSettings Recorded(BatchSettings settings, BatchRecord record, SettingDefinition setting, string value) =>
        ConfigurationLoader.Apply(settings, setting, value, SettingLayer.CommandLine, context.WorkingDirectory, message => new CliException($"the record of batch {record.BatchId} holds {message}; give {setting.Flag} to resume it"));

    // A record keeps the server's address with its secrets masked: resume where it ran, with the credentials the
    // configuration has for that same address; a masked address the configuration does not know needs --endpoint.
    private static string ResumeEndpoint(BatchRecord record, BatchSettings settings)
    {
        var recorded = record.Endpoint!;
        if (!recorded.Contains(Secrets.Mask, StringComparison.Ordinal))
        {
            return recorded;
        }

        return Secrets.Redact(settings.Endpoint) == recorded
            ? settings.Endpoint
            : throw new CliException($"batch {record.BatchId} ran against {recorded}, whose credentials are not stored; give them again with --endpoint (or OLLAMA_HOST)");
    }

    private int Export(BatchRecord record, string? formatName, string? output)
    {
        var format = RunPresenter.ResolveFormat(formatName, output) ?? ExportFormat.Json;
        var bytes = ExportFormats.ToBytes(format, ExportDocument.FromRecord(record));
        if (output is not null)
        {
            RunPresenter.Write(context, context.Resolve(output), bytes, format);
            return ExitCodes.Success;
        }

        context.Out.Write(new System.Text.UTF8Encoding(false).GetString(bytes));
        context.Out.Flush();
        return ExitCodes.Success;
    }

    private static string FirstLine(string? text)
    {
        var line = (text ?? string.Empty).Trim().Split('\n')[0].Trim();
        return line.Length > 80 ? line[..79] + "…" : line;
    }
}
