using System.Runtime.InteropServices;

namespace Gleitzeit.Batch.Providers.Local;

/// <summary>
/// Which of the package's llama.cpp builds a platform runs (see src/LlamaNatives.targets for the layout): for x64
/// Linux and Windows the fastest CPU build the CPU's features allow (shared libraries once, <c>cpu-&lt;isa&gt;/</c> per
/// instruction set); for Intel Macs the AVX2 build or, under Rosetta 2 or without AVX2, the Rosetta 2 build (every
/// library but BLAS differs between the two, so each has a folder of its own); elsewhere the one build there is.
/// </summary>
internal static class LlamaBuildChooser
{
    /// <summary>Every runtime the package carries a build for.</summary>
    public static readonly IReadOnlyList<string> Runtimes = ["linux-x64", "linux-musl-x64", "linux-arm64", "win-x64", "win-arm64", "osx-x64", "osx-arm64"];

    private const string LinuxGlibcX64Needs = "it needs glibc 2.34 or later, libstdc++ and libgomp (apt-get install libgomp1)";
    private const string LinuxGlibcArm64Needs = "it needs glibc 2.38 or later, libstdc++ and libgomp (apt-get install libgomp1)";
    private const string LinuxMuslNeeds = "it needs libstdc++ and libgomp (apk add libstdc++ libgomp)";
    private const string WindowsX64Needs = "it needs the Microsoft Visual C++ 2015-2022 Redistributable (x64), which brings VCRUNTIME140.dll, MSVCP140.dll and VCOMP140.dll";
    private const string WindowsArm64Needs = "it needs the Microsoft Visual C++ 2015-2022 Redistributable (arm64), which brings VCRUNTIME140.dll and MSVCP140.dll";
    private const string MacNeeds = "it needs macOS 14 or later";

    /// <summary>The build for <paramref name="platform"/>.</summary>
    /// <exception cref="ChatProviderException">The package has no build for it (GZ1005).</exception>
    public static LlamaBuild Choose(LlamaPlatform platform) => (platform.Os, platform.Architecture, platform.Musl) switch
    {
        (LlamaOs.Linux, Architecture.X64, false) => ByInstructionSet("linux-x64", "lib", ".so", X64Variant(platform.Cpu, avxBuildUsesFma: true), LinuxGlibcX64Needs),
        (LlamaOs.Linux, Architecture.X64, true) => ByInstructionSet("linux-musl-x64", "lib", ".so", X64Variant(platform.Cpu, avxBuildUsesFma: true), LinuxMuslNeeds),
        (LlamaOs.Linux, Architecture.Arm64, false) => OneBuild("linux-arm64", "lib", ".so", LinuxGlibcArm64Needs),
        (LlamaOs.Windows, Architecture.X64, _) => ByInstructionSet("win-x64", string.Empty, ".dll", X64Variant(platform.Cpu, avxBuildUsesFma: false), WindowsX64Needs),
        (LlamaOs.Windows, Architecture.Arm64, _) => OneBuild("win-arm64", string.Empty, ".dll", WindowsArm64Needs),
        (LlamaOs.MacOS, Architecture.X64, _) => IntelMac(platform),
        (LlamaOs.MacOS, Architecture.Arm64, _) => new LlamaBuild(
            "osx-arm64",
            "arm64",
            ["libggml-base.dylib", "libggml-cpu.dylib", "libggml-blas.dylib", "libggml-metal.dylib", "libggml.dylib", "libllama.dylib"],
            "Metal",
            MacNeeds),
        _ => throw CannotRun(
            $"the local provider runs on {string.Join(", ", Runtimes)} (this is {platform.Name}){(platform is { Os: LlamaOs.Linux, Musl: true } ? "; llama.cpp's musl build is for x64 only" : string.Empty)}; use provider ollama or an OpenAI-compatible server"),
    };

    /// <summary>The instruction set of the fastest x64 CPU build <paramref name="cpu"/> runs: <c>avx512</c>, <c>avx2</c>, <c>avx</c> or <c>noavx</c>.</summary>
    /// <param name="cpu">The CPU's features.</param>
    /// <param name="avxBuildUsesFma">
    /// The AVX build uses FMA (and F16C, which every FMA CPU has) as well: so LLamaSharp built it for Linux, not for
    /// Windows. There an AVX CPU without FMA (Sandy Bridge, Ivy Bridge) takes the build without AVX.
    /// </param>
    public static string X64Variant(CpuFeatures cpu, bool avxBuildUsesFma)
    {
        const CpuFeatures avx2 = CpuFeatures.Avx | CpuFeatures.Avx2 | CpuFeatures.Fma;
        var avx = avxBuildUsesFma ? CpuFeatures.Avx | CpuFeatures.Fma : CpuFeatures.Avx;
        return cpu.HasFlag(avx2 | CpuFeatures.Avx512F) ? "avx512" : cpu.HasFlag(avx2) ? "avx2" : cpu.HasFlag(avx) ? "avx" : "noavx";
    }

    private static LlamaBuild ByInstructionSet(string runtime, string prefix, string extension, string variant, string needs) =>
        new(
            runtime,
            variant,
            [$"{prefix}ggml-base{extension}", $"cpu-{variant}/{prefix}ggml-cpu{extension}", $"{prefix}ggml{extension}", $"{prefix}llama{extension}"],
            null,
            needs);

    private static LlamaBuild OneBuild(string runtime, string prefix, string extension, string needs) =>
        new(runtime, "arm64", [$"{prefix}ggml-base{extension}", $"{prefix}ggml-cpu{extension}", $"{prefix}ggml{extension}", $"{prefix}llama{extension}"], null, needs);

    private static LlamaBuild IntelMac(LlamaPlatform platform)
    {
        // Both of LLamaSharp's builds for Intel Macs use AVX and FMA; the Rosetta 2 one leaves out AVX2 and F16C.
        var variant = !platform.Translated && platform.Cpu.HasFlag(CpuFeatures.Avx | CpuFeatures.Avx2 | CpuFeatures.Fma) ? "avx2"
            : platform.Cpu.HasFlag(CpuFeatures.Avx | CpuFeatures.Fma) ? "rosetta2"
            : throw CannotRun(platform.Translated
                ? "this x64 process runs under Rosetta 2, which offers it no AVX and FMA (Rosetta 2 of macOS 15 or later does), and llama.cpp's builds for Intel Macs need them; run the arm64 .NET instead (its osx-arm64 build uses Metal), or use provider ollama or an OpenAI-compatible server"
                : "this Mac's CPU has no AVX and FMA, which llama.cpp's builds for Intel Macs need; use provider ollama or an OpenAI-compatible server");
        var folder = $"cpu-{variant}/";
        return new LlamaBuild(
            "osx-x64",
            variant,
            [folder + "libggml-base.dylib", folder + "libggml-cpu.dylib", "libggml-blas.dylib", folder + "libggml.dylib", folder + "libllama.dylib"],
            null,
            MacNeeds);
    }

    private static ChatProviderException CannotRun(string message) =>
        new(message, DiagnosticCodes.CannotRunHere, isTransient: false, stopsBatch: true);
}
