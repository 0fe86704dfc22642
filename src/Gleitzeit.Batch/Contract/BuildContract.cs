using System.Collections.Generic;

namespace Gleitzeit.Batch.Contract;

/// <summary>
/// What the MSBuild task and the build worker agree on: the manifest's element and attribute names, the item metadata,
/// and the prefixes of the worker's lines the task reads.
/// </summary>
public static class BuildContract
{
    /// <summary>Bumped when the manifest changes shape; the worker refuses another version.</summary>
    public const string ManifestVersion = "2";

    /// <summary>A worker line the task logs at high importance (the per-batch summary).</summary>
    public const string SummaryPrefix = "gleitzeit-summary: ";

    /// <summary>The manifest's root element and its attributes.</summary>
    public const string RootElement = "GleitzeitBuild";

    public const string VersionAttribute = "Version";

    public const string ProjectAttribute = "Project";

    public const string ProjectDirectoryAttribute = "ProjectDirectory";

    /// <summary>The process that started the worker: the worker ends (keeping finished items) when it is gone.</summary>
    public const string ParentProcessAttribute = "ParentProcess";

    /// <summary><c>&lt;Setting Name="cache_mode" Value="Locked" /&gt;</c>: a settings-table row set by an MSBuild property.</summary>
    public const string SettingElement = "Setting";

    public const string NameAttribute = "Name";

    public const string ValueAttribute = "Value";

    /// <summary>
    /// On a setting whose value holds a secret (an address with credentials): the environment variable of the worker's
    /// process that carries the value instead, so the manifest under <c>obj/</c> never holds it.
    /// </summary>
    public const string EnvironmentAttribute = "Environment";

    /// <summary><c>&lt;Text Id="t0"&gt;…&lt;/Text&gt;</c>: a long metadata value written once and referred to by items.</summary>
    public const string TextElement = "Text";

    public const string IdAttribute = "Id";

    /// <summary>Suffix of an item attribute that refers to a <see cref="TextElement"/> by id (<c>PromptRef="t0"</c>).</summary>
    public const string ReferenceSuffix = "Ref";

    /// <summary><c>&lt;Item Path="…" Batch="…" PromptRef="t0" … /&gt;</c>: one <c>GleitzeitBatch</c> item.</summary>
    public const string ItemElement = "Item";

    public const string PathAttribute = "Path";

    /// <summary><c>&lt;Workflow Path="…" /&gt;</c>: one <c>GleitzeitWorkflow</c> item.</summary>
    public const string WorkflowElement = "Workflow";

    /// <summary><c>&lt;Output Path="…" Batch="…" Format="json" /&gt;</c>: an artifact the targets expect; the worker writes exactly these.</summary>
    public const string OutputElement = "Output";

    public const string FormatAttribute = "Format";

    /// <summary>The item metadata of <c>GleitzeitBatch</c>.</summary>
    public static class Metadata
    {
        public const string Batch = "Batch";
        public const string Prompt = "Prompt";

        /// <summary>A file whose text is the prompt, relative to the project file (instead of <see cref="Prompt"/>).</summary>
        public const string PromptFile = "PromptFile";
        public const string SystemPrompt = "SystemPrompt";
        public const string Model = "Model";
        public const string Vision = "Vision";
        public const string Temperature = "Temperature";
        public const string Seed = "Seed";
        public const string Format = "Format";
        public const string OutputFile = "OutputFile";
        public const string LongDocuments = "LongDocuments";

        /// <summary>Checks on each answer of the item's batch (the <c>max_words</c>… settings, per item).</summary>
        public const string MaxWords = "MaxWords";
        public const string MinWords = "MinWords";
        public const string MaxChars = "MaxChars";
        public const string MinChars = "MinChars";
        public const string MustMatch = "MustMatch";
        public const string MustNotMatch = "MustNotMatch";
        public const string RequireJson = "RequireJson";

        /// <summary>The judge's rubric (<c>true</c>: the built-in one); <see cref="JudgeModel"/>, <see cref="MinScore"/> as the settings.</summary>
        public const string JudgePrompt = "JudgePrompt";
        public const string JudgeModel = "JudgeModel";
        public const string MinScore = "MinScore";

        /// <summary>Every metadata name, in the order docs/msbuild.md lists them.</summary>
        public static IReadOnlyList<string> All { get; } =
        [
            Batch, Prompt, PromptFile, SystemPrompt, Model, Vision, Temperature, Seed, Format, OutputFile, LongDocuments,
            MaxWords, MinWords, MaxChars, MinChars, MustMatch, MustNotMatch, RequireJson, JudgePrompt, JudgeModel, MinScore,
        ];

        /// <summary>The review metadata and the setting each one sets for its item.</summary>
        public static IReadOnlyList<(string Name, SettingDefinition Setting)> Review { get; } =
        [
            (MaxWords, Settings.MaxWords), (MinWords, Settings.MinWords), (MaxChars, Settings.MaxChars), (MinChars, Settings.MinChars),
            (MustMatch, Settings.MustMatch), (MustNotMatch, Settings.MustNotMatch), (RequireJson, Settings.RequireJson),
            (JudgePrompt, Settings.Judge), (JudgeModel, Settings.JudgeModel), (MinScore, Settings.MinScore),
        ];

        /// <summary>Metadata long enough to be worth writing once per distinct value.</summary>
        public static IReadOnlyList<string> Shared { get; } = [Prompt, SystemPrompt, JudgePrompt];
    }
}
