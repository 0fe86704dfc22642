using System.Runtime.InteropServices;
using Arch = System.Runtime.InteropServices.Architecture;
using Gleitzeit.Batch.Providers;
using Gleitzeit.Batch.Providers.Local;
using Gleitzeit.Testing;

namespace Gleitzeit.Batch.Tests.Providers;

/// <summary>Which llama.cpp build each platform loads, over described platforms (only linux-x64 runs here).</summary>
public sealed class LlamaBuildChooserTests
{
    private const CpuFeatures Avx = CpuFeatures.Avx;
    private const CpuFeatures Avx2Fma = CpuFeatures.Avx | CpuFeatures.Avx2 | CpuFeatures.Fma;
    private const CpuFeatures All = Avx2Fma | CpuFeatures.Avx512F;

    [Theory]
    [InlineData(CpuFeatures.None, "noavx")]
    [InlineData(Avx, "noavx")] // Linux's AVX build uses FMA too: Sandy Bridge and Ivy Bridge take the one without AVX
    [InlineData(CpuFeatures.Avx | CpuFeatures.Fma, "avx")]
    [InlineData(CpuFeatures.Avx | CpuFeatures.Avx2, "noavx")] // AVX2 without FMA (a virtual machine's masked CPU)
    [InlineData(Avx2Fma, "avx2")]
    [InlineData(Avx2Fma | CpuFeatures.Avx512F, "avx512")]
    [InlineData(CpuFeatures.Avx | CpuFeatures.Fma | CpuFeatures.Avx512F, "avx")] // AVX-512 without AVX2 is not taken for AVX-512
    public void LinuxX64AndMusl_TakeTheFastestInstructionSetTheCpuHas(CpuFeatures cpu, string variant)
    {
        foreach (var (musl, runtime) in new[] { (false, "linux-x64"), (true, "linux-musl-x64") })
        {
            var build = LlamaBuildChooser.Choose(new LlamaPlatform(LlamaOs.Linux, Arch.X64, cpu, Musl: musl));

            Assert.Equal(runtime, build.Runtime);
            Assert.Equal(variant, build.Variant);
            Assert.Equal(["libggml-base.so", $"cpu-{variant}/libggml-cpu.so", "libggml.so", "libllama.so"], build.Libraries);
            Assert.Null(build.Accelerator);
        }
    }

    [Fact]
    public void LoadHints_NameWhatEachLinuxNeeds()
    {
        var glibc = LlamaBuildChooser.Choose(new LlamaPlatform(LlamaOs.Linux, Arch.X64, Avx2Fma));
        var musl = LlamaBuildChooser.Choose(new LlamaPlatform(LlamaOs.Linux, Arch.X64, Avx2Fma, Musl: true));
        var arm = LlamaBuildChooser.Choose(new LlamaPlatform(LlamaOs.Linux, Arch.Arm64));

        Assert.Contains("glibc 2.34 or later", glibc.Needs, StringComparison.Ordinal);
        Assert.Contains("apk add libstdc++ libgomp", musl.Needs, StringComparison.Ordinal);
        Assert.DoesNotContain("glibc", musl.Needs, StringComparison.Ordinal);
        Assert.Contains("glibc 2.38 or later", arm.Needs, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(CpuFeatures.None, "noavx")]
    [InlineData(Avx, "avx")] // Windows's AVX build uses no FMA
    [InlineData(CpuFeatures.Avx | CpuFeatures.Avx2, "avx")]
    [InlineData(Avx2Fma, "avx2")]
    [InlineData(All, "avx512")]
    public void WindowsX64_TakesTheFastestInstructionSetTheCpuHas(CpuFeatures cpu, string variant)
    {
        var build = LlamaBuildChooser.Choose(new LlamaPlatform(LlamaOs.Windows, Arch.X64, cpu));

        Assert.Equal("win-x64", build.Runtime);
        Assert.Equal(variant, build.Variant);
        Assert.Equal(["ggml-base.dll", $"cpu-{variant}/ggml-cpu.dll", "ggml.dll", "llama.dll"], build.Libraries);
        Assert.Contains("Visual C++", build.Needs, StringComparison.Ordinal);
        Assert.Contains("VCOMP140.dll", build.Needs, StringComparison.Ordinal);
    }

    [Fact]
    public void Arm64LinuxAndWindows_HaveOneBuild()
    {
        var linux = LlamaBuildChooser.Choose(new LlamaPlatform(LlamaOs.Linux, Arch.Arm64));
        var windows = LlamaBuildChooser.Choose(new LlamaPlatform(LlamaOs.Windows, Arch.Arm64));

        Assert.Equal(("linux-arm64", "arm64"), (linux.Runtime, linux.Variant));
        Assert.Equal(["libggml-base.so", "libggml-cpu.so", "libggml.so", "libllama.so"], linux.Libraries);
        Assert.Equal(("win-arm64", "arm64"), (windows.Runtime, windows.Variant));
        Assert.Equal(["ggml-base.dll", "ggml-cpu.dll", "ggml.dll", "llama.dll"], windows.Libraries);
        Assert.DoesNotContain("VCOMP140", windows.Needs, StringComparison.Ordinal);
    }

    [Fact]
    public void AppleSilicon_LoadsMetalAndBlasBeforeGgml_AndSaysItHasMetal()
    {
        var build = LlamaBuildChooser.Choose(new LlamaPlatform(LlamaOs.MacOS, Arch.Arm64));

        Assert.Equal("osx-arm64", build.Runtime);
        Assert.Equal(["libggml-base.dylib", "libggml-cpu.dylib", "libggml-blas.dylib", "libggml-metal.dylib", "libggml.dylib", "libllama.dylib"], build.Libraries);
        Assert.Equal("Metal", build.Accelerator);
        Assert.Equal("it needs macOS 14 or later", build.Needs);
    }

    [Theory]
    [InlineData(Avx2Fma, false, "avx2")]
    [InlineData(All, false, "avx2")]
    [InlineData(CpuFeatures.Avx | CpuFeatures.Fma, false, "rosetta2")] // an Intel Mac without AVX2
    [InlineData(Avx2Fma, true, "rosetta2")] // Rosetta 2 of macOS 15 reports AVX2: its build is still the Rosetta one
    [InlineData(CpuFeatures.Avx | CpuFeatures.Fma, true, "rosetta2")]
    public void IntelMac_TakesTheAvx2Build_OrTheRosettaOne(CpuFeatures cpu, bool translated, string variant)
    {
        var build = LlamaBuildChooser.Choose(new LlamaPlatform(LlamaOs.MacOS, Arch.X64, cpu, Translated: translated));

        Assert.Equal(("osx-x64", variant), (build.Runtime, build.Variant));
        Assert.Equal([$"cpu-{variant}/libggml-base.dylib", $"cpu-{variant}/libggml-cpu.dylib", "libggml-blas.dylib", $"cpu-{variant}/libggml.dylib", $"cpu-{variant}/libllama.dylib"], build.Libraries);
        Assert.Null(build.Accelerator);
    }

    [Fact]
    public void RosettaWithoutAvx_IsGz1005SayingToRunTheArm64Dotnet()
    {
        var error = Assert.Throws<ChatProviderException>(() => LlamaBuildChooser.Choose(new LlamaPlatform(LlamaOs.MacOS, Arch.X64, CpuFeatures.None, Translated: true)));

        Assert.Equal(DiagnosticCodes.CannotRunHere, error.Code);
        Assert.Contains("Rosetta 2", error.Message, StringComparison.Ordinal);
        Assert.Contains("run the arm64 .NET", error.Message, StringComparison.Ordinal);
        Assert.False(error.IsTransient);
        Assert.True(error.StopsBatch);
    }

    [Theory]
    [InlineData(Avx)]
    [InlineData(CpuFeatures.Avx | CpuFeatures.Avx2)] // AVX2 without FMA: both Intel Mac builds use FMA
    public void IntelMacWithoutAvxAndFma_IsGz1005(CpuFeatures cpu)
    {
        var error = Assert.Throws<ChatProviderException>(() => LlamaBuildChooser.Choose(new LlamaPlatform(LlamaOs.MacOS, Arch.X64, cpu)));

        Assert.Equal(DiagnosticCodes.CannotRunHere, error.Code);
        Assert.Contains("no AVX and FMA", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("Rosetta 2, which", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(LlamaOs.Linux, Arch.Arm, false, "linux-arm")]
    [InlineData(LlamaOs.Linux, Arch.RiscV64, false, "linux-riscv64")]
    [InlineData(LlamaOs.Linux, Arch.Arm64, true, "linux-musl-arm64")]
    [InlineData(LlamaOs.Windows, Arch.X86, false, "win-x86")]
    [InlineData(LlamaOs.Other, Arch.X64, false, "other-x64")]
    public void UnknownPlatform_IsGz1005NamingItAndWhatRuns(LlamaOs os, Arch architecture, bool musl, string name)
    {
        var error = Assert.Throws<ChatProviderException>(() => LlamaBuildChooser.Choose(new LlamaPlatform(os, architecture, Musl: musl)));

        Assert.Equal(DiagnosticCodes.CannotRunHere, error.Code);
        Assert.Contains($"(this is {name})", error.Message, StringComparison.Ordinal);
        Assert.Contains("linux-x64, linux-musl-x64, linux-arm64, win-x64, win-arm64, osx-x64, osx-arm64", error.Message, StringComparison.Ordinal);
        Assert.Contains("use provider ollama", error.Message, StringComparison.Ordinal);
        Assert.Equal(musl, error.Message.Contains("musl build is for x64 only", StringComparison.Ordinal));
    }

    [Fact]
    public void EveryFileAPlatformMayLoad_IsOneThePackagesCarry_AndEveryCarriedFileIsLoadedSomewhere()
    {
        var loaded = DescribedPlatforms()
            .Select(LlamaBuildChooser.Choose)
            .GroupBy(b => b.Runtime, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.SelectMany(b => b.Libraries).ToHashSet(StringComparer.Ordinal), StringComparer.Ordinal);

        Assert.Equal(LlamaBuildChooser.Runtimes.Order(StringComparer.Ordinal), loaded.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(LlamaLayout.Files.Keys.Order(StringComparer.Ordinal), loaded.Keys.Order(StringComparer.Ordinal));
        foreach (var (runtime, files) in loaded)
        {
            Assert.Equal(LlamaLayout.Files[runtime].Order(StringComparer.Ordinal), files.Order(StringComparer.Ordinal));
        }
    }

    [Fact]
    public void TheBuiltOutput_CarriesEveryPlatformsFiles_EachContentOnce()
    {
        // This test project builds without a runtime identifier, as the portable worker and tool do.
        var tree = LlamaLayout.FromDirectory(Path.Combine(AppContext.BaseDirectory, "llama"));

        Assert.Empty(LlamaLayout.Problems(tree, LlamaBuildChooser.Runtimes));
    }

    private static IEnumerable<LlamaPlatform> DescribedPlatforms()
    {
        CpuFeatures[] cpus = [CpuFeatures.None, Avx, CpuFeatures.Avx | CpuFeatures.Fma, Avx2Fma, All];
        foreach (var cpu in cpus)
        {
            yield return new LlamaPlatform(LlamaOs.Linux, Arch.X64, cpu);
            yield return new LlamaPlatform(LlamaOs.Linux, Arch.X64, cpu, Musl: true);
            yield return new LlamaPlatform(LlamaOs.Windows, Arch.X64, cpu);
        }

        yield return new LlamaPlatform(LlamaOs.Linux, Arch.Arm64);
        yield return new LlamaPlatform(LlamaOs.Windows, Arch.Arm64);
        yield return new LlamaPlatform(LlamaOs.MacOS, Arch.Arm64);
        yield return new LlamaPlatform(LlamaOs.MacOS, Arch.X64, Avx2Fma);
        yield return new LlamaPlatform(LlamaOs.MacOS, Arch.X64, Avx2Fma, Translated: true);
    }
}
