using System.Runtime.InteropServices;
using Arch = System.Runtime.InteropServices.Architecture;
using System.Runtime.Intrinsics.X86;
using Gleitzeit.Batch.Providers.Local;

namespace Gleitzeit.Batch.Tests.Providers;

/// <summary>How each system's answer about the CPU becomes the features the choice reads.</summary>
public sealed class LlamaPlatformReaderTests
{
    [Fact]
    public void CpuInfoFlags_AreReadAsWholeWords()
    {
        Assert.Equal(
            CpuFeatures.Avx | CpuFeatures.Avx2 | CpuFeatures.Fma | CpuFeatures.Avx512F,
            LlamaPlatformReader.FromCpuInfoFlags("flags\t\t: fpu vme sse4_2 avx f16c fma avx2 avx512f avx512bw"));
        Assert.Equal(CpuFeatures.Avx, LlamaPlatformReader.FromCpuInfoFlags("flags : fpu avx f16c avx512_vnni"));
        Assert.Equal(CpuFeatures.None, LlamaPlatformReader.FromCpuInfoFlags("flags : fpu sse sse2 ssse3 sse4_1 sse4_2"));
        Assert.Equal(CpuFeatures.None, LlamaPlatformReader.FromCpuInfoFlags(null));
    }

    [Fact]
    public void Windows_ReadsFeatureNumbers39To41_AndFmaFromTheCpu()
    {
        var asked = new List<uint>();
        bool Present(uint feature)
        {
            asked.Add(feature);
            return feature is 39 or 40;
        }

        Assert.Equal(CpuFeatures.Avx | CpuFeatures.Avx2 | CpuFeatures.Fma, LlamaPlatformReader.FromWindows(Present, fma: true));
        Assert.Equal([39u, 40u, 41u], asked);
        Assert.Equal(CpuFeatures.Avx | CpuFeatures.Avx2, LlamaPlatformReader.FromWindows(Present, fma: false));
        Assert.Equal(CpuFeatures.Avx512F | CpuFeatures.Fma, LlamaPlatformReader.FromWindows(f => f == 41, fma: true));
    }

    [Fact]
    public void MacOs_ReadsHwOptional_AnUnknownNameBeingZero()
    {
        var intel = new Dictionary<string, long> { ["hw.optional.avx1_0"] = 1, ["hw.optional.avx2_0"] = 1, ["hw.optional.fma"] = 1, ["hw.optional.avx512f"] = 0 };
        var olderRosetta = new Dictionary<string, long> { ["hw.optional.avx1_0"] = 0, ["hw.optional.avx2_0"] = 0 };

        Assert.Equal(CpuFeatures.Avx | CpuFeatures.Avx2 | CpuFeatures.Fma, LlamaPlatformReader.FromSysctl(n => intel.GetValueOrDefault(n)));
        Assert.Equal(CpuFeatures.None, LlamaPlatformReader.FromSysctl(n => olderRosetta.GetValueOrDefault(n)));
    }

    [Fact]
    public void ThisProcess_IsDescribedAsTheRuntimeSeesIt()
    {
        var platform = LlamaPlatformReader.Current();

        Assert.Equal(RuntimeInformation.RuntimeIdentifier, platform.Name);
        if (platform.Architecture == Arch.X64)
        {
            // This test runs on the JIT, whose view of the CPU is a second opinion (ahead of time it has none).
            var jit = (Avx.IsSupported ? CpuFeatures.Avx : 0) | (Avx2.IsSupported ? CpuFeatures.Avx2 : 0) | (Fma.IsSupported ? CpuFeatures.Fma : 0) | (Avx512F.IsSupported ? CpuFeatures.Avx512F : 0);
            Assert.Equal(jit, platform.Cpu);
        }
    }
}
