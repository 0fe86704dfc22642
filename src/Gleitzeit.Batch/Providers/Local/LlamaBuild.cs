namespace Gleitzeit.Batch.Providers.Local;

/// <summary>One llama.cpp build of the package's: where it is and what to load.</summary>
/// <param name="Runtime">Its folder under <c>llama/</c>: the runtime identifier it is made for.</param>
/// <param name="Variant">Which of the runtime's builds: its instruction set (<c>avx2</c>), <c>rosetta2</c>, or the architecture where there is one build.</param>
/// <param name="Libraries">Paths relative to <c>llama/&lt;Runtime&gt;/</c> (<c>/</c>-separated) in load order, each after what it links to; llama last.</param>
/// <param name="Accelerator">The GPU backend the build links (<c>Metal</c>), or null for the CPU alone.</param>
/// <param name="Needs">What the libraries need of the system, for the message when they cannot be loaded.</param>
internal sealed record LlamaBuild(string Runtime, string Variant, IReadOnlyList<string> Libraries, string? Accelerator, string Needs)
{
    /// <summary>The llama library itself, the one LLamaSharp is handed.</summary>
    public string Llama => Libraries[^1];
}
