using System;
using System.Collections.Generic;

namespace Gleitzeit.Batch.Contract;

/// <summary>What <see cref="OutputRules"/> checks: a build's items, workflows, artifacts and the files it owns.</summary>
public sealed class OutputRulesInput
{
    public string ProjectDirectory { get; set; } = string.Empty;

    /// <summary>The <c>GleitzeitBatch</c> items in the order MSBuild gives them.</summary>
    public IReadOnlyList<OutputRulesItem> Items { get; set; } = [];

    /// <summary>The workflow files: their names name artifacts too.</summary>
    public IReadOnlyList<string> Workflows { get; set; } = [];

    /// <summary>Every artifact the build writes.</summary>
    public IReadOnlyList<string> Artifacts { get; set; } = [];

    /// <summary>Other files the package writes (its settings file and manifest).</summary>
    public IReadOnlyList<string> OwnFiles { get; set; } = [];

    /// <summary>Directories the package writes into (records, cache, downloaded models): nothing in them is an input.</summary>
    public IReadOnlyList<string> OwnDirectories { get; set; } = [];

    /// <summary>Inputs that are not items (the project file, workflows, JSON schemas): no OutputFile may replace them.</summary>
    public IReadOnlyList<string> ProtectedInputs { get; set; } = [];

    /// <summary>Whether an earlier build wrote this file as an OutputFile (the artifacts' and <c>obj/</c>'s lists say so).</summary>
    public Func<string, bool> WrittenBefore { get; set; } = _ => false;

    /// <summary>Whether a file is a Gleitzeit artifact by its content (one left in an earlier output directory, say).</summary>
    public Func<string, bool> IsOwnArtifact { get; set; } = _ => false;
}

/// <summary>One <c>GleitzeitBatch</c> item as <see cref="OutputRules"/> sees it.</summary>
/// <param name="FullPath">The input file, absolute.</param>
/// <param name="Batch">Its batch name.</param>
/// <param name="Metadata">Its metadata by name.</param>
/// <param name="OutputFileAsWritten">Its OutputFile as the project spells it, or null.</param>
/// <param name="OutputFile">Its OutputFile, absolute, or null.</param>
public sealed record OutputRulesItem(string FullPath, string Batch, Func<string, string> Metadata, string? OutputFileAsWritten, string? OutputFile);

/// <summary>What <see cref="OutputRules.Check"/> found: problems (errors before any call), and the items to run.</summary>
/// <param name="Problems">Each an error on a file.</param>
/// <param name="Kept">Indices of the items to run: each file once per batch, none the package writes.</param>
/// <param name="LeftOut">How many items were left out as files the package writes.</param>
public sealed record OutputCheck(IReadOnlyList<OutputProblem> Problems, IReadOnlyList<int> Kept, int LeftOut);

/// <summary>One problem of <see cref="OutputRules"/>.</summary>
public sealed record OutputProblem(string Code, string File, string Message);
