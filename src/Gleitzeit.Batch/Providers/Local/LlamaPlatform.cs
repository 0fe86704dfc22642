using System.Runtime.InteropServices;

namespace Gleitzeit.Batch.Providers.Local;

/// <summary>The x86 instruction-set extensions llama.cpp's CPU builds are made for.</summary>
[Flags]
public enum CpuFeatures
{
    /// <summary>None of those below.</summary>
    None = 0,

    /// <summary>AVX.</summary>
    Avx = 1,

    /// <summary>AVX2.</summary>
    Avx2 = 2,

    /// <summary>FMA3.</summary>
    Fma = 4,

    /// <summary>AVX-512 Foundation.</summary>
    Avx512F = 8,
}

/// <summary>The operating systems llama.cpp's builds are made for.</summary>
public enum LlamaOs
{
    /// <summary>One llama.cpp has no build for here.</summary>
    Other,

    /// <summary>Linux, with glibc or musl.</summary>
    Linux,

    /// <summary>Windows.</summary>
    Windows,

    /// <summary>macOS.</summary>
    MacOS,
}

/// <summary>What chooses a llama.cpp build: the process's operating system, architecture and C library, and its CPU.</summary>
/// <param name="Os">The operating system.</param>
/// <param name="Architecture">The process's architecture (an x64 process on an arm64 machine is x64).</param>
/// <param name="Cpu">The CPU's instruction-set extensions (x64 only).</param>
/// <param name="Musl">Linux with musl (Alpine) rather than glibc.</param>
/// <param name="Translated">An x64 process that Rosetta 2 runs on Apple silicon (<c>sysctl.proc_translated</c>).</param>
internal sealed record LlamaPlatform(LlamaOs Os, Architecture Architecture, CpuFeatures Cpu = CpuFeatures.None, bool Musl = false, bool Translated = false)
{
    /// <summary>The platform as a runtime identifier, for messages (<c>linux-musl-arm64</c>, <c>win-x86</c>).</summary>
    public string Name
    {
        get
        {
            var os = Os switch
            {
                LlamaOs.Linux => Musl ? "linux-musl" : "linux",
                LlamaOs.Windows => "win",
                LlamaOs.MacOS => "osx",
                _ => "other",
            };
            return $"{os}-{Architecture.ToString().ToLowerInvariant()}";
        }
    }
}
