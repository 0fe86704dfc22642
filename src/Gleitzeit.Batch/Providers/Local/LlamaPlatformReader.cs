using System.Runtime.InteropServices;
using System.Runtime.Intrinsics.X86;

namespace Gleitzeit.Batch.Providers.Local;

/// <summary>
/// Describes the running platform for <see cref="LlamaBuildChooser"/>, reading the CPU's features where each system
/// tells them (the runtime's <c>Avx*.IsSupported</c> is false ahead-of-time compiled): Linux's <c>/proc/cpuinfo</c>
/// flags, Windows's <c>IsProcessorFeaturePresent</c>, macOS's <c>sysctl hw.optional.*</c>.
/// </summary>
internal static class LlamaPlatformReader
{
    private const uint PfAvx = 39;
    private const uint PfAvx2 = 40;
    private const uint PfAvx512F = 41;

    /// <summary>This process's platform.</summary>
    public static LlamaPlatform Current()
    {
        var architecture = RuntimeInformation.ProcessArchitecture;
        var x64 = architecture == Architecture.X64;
        if (OperatingSystem.IsLinux())
        {
            // The runtime's own identifier says which C library this process was built against (linux-musl-x64 on Alpine).
            var musl = RuntimeInformation.RuntimeIdentifier.Contains("musl", StringComparison.Ordinal);
            return new LlamaPlatform(LlamaOs.Linux, architecture, x64 ? FromCpuInfoFlags(CpuInfoFlagsLine()) : CpuFeatures.None, musl);
        }

        if (OperatingSystem.IsWindows())
        {
            return new LlamaPlatform(LlamaOs.Windows, architecture, x64 ? FromWindows(WindowsCpu.IsProcessorFeaturePresent, FmaFromCpuId()) : CpuFeatures.None);
        }

        if (OperatingSystem.IsMacOS())
        {
            return new LlamaPlatform(LlamaOs.MacOS, architecture, x64 ? FromSysctl(MacSysctl.Read) : CpuFeatures.None, Translated: x64 && MacSysctl.Read("sysctl.proc_translated") == 1);
        }

        return new LlamaPlatform(LlamaOs.Other, architecture);
    }

    /// <summary>The features in a <c>/proc/cpuinfo</c> flags line (<c>flags : fpu … avx2 …</c>).</summary>
    public static CpuFeatures FromCpuInfoFlags(string? flagsLine)
    {
        var flags = (flagsLine ?? string.Empty).Split([' ', '\t', ':'], StringSplitOptions.RemoveEmptyEntries).ToHashSet(StringComparer.Ordinal);
        return (flags.Contains("avx") ? CpuFeatures.Avx : 0)
            | (flags.Contains("avx2") ? CpuFeatures.Avx2 : 0)
            | (flags.Contains("fma") ? CpuFeatures.Fma : 0)
            | (flags.Contains("avx512f") ? CpuFeatures.Avx512F : 0);
    }

    /// <summary>
    /// The features <c>IsProcessorFeaturePresent</c> reports (which also means the system saves their registers), with
    /// FMA, for which Windows has no feature number, from the CPU itself.
    /// </summary>
    public static CpuFeatures FromWindows(Func<uint, bool> isProcessorFeaturePresent, bool fma) =>
        (isProcessorFeaturePresent(PfAvx) ? CpuFeatures.Avx : 0)
        | (isProcessorFeaturePresent(PfAvx2) ? CpuFeatures.Avx2 : 0)
        | (isProcessorFeaturePresent(PfAvx512F) ? CpuFeatures.Avx512F : 0)
        | (fma ? CpuFeatures.Fma : 0);

    /// <summary>The features macOS's <c>hw.optional.*</c> report (0 for a name the system does not know).</summary>
    public static CpuFeatures FromSysctl(Func<string, long> sysctl) =>
        (sysctl("hw.optional.avx1_0") == 1 ? CpuFeatures.Avx : 0)
        | (sysctl("hw.optional.avx2_0") == 1 ? CpuFeatures.Avx2 : 0)
        | (sysctl("hw.optional.fma") == 1 ? CpuFeatures.Fma : 0)
        | (sysctl("hw.optional.avx512f") == 1 ? CpuFeatures.Avx512F : 0);

    private static bool FmaFromCpuId() => X86Base.IsSupported && (X86Base.CpuId(1, 0).Ecx & (1 << 12)) != 0;

    private static string? CpuInfoFlagsLine()
    {
        try
        {
            return File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("flags", StringComparison.Ordinal));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}
