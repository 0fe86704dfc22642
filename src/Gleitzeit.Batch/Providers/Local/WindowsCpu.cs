using System.Runtime.InteropServices;

namespace Gleitzeit.Batch.Providers.Local;

/// <summary>Windows's own answer to which instruction sets the CPU has and the system supports.</summary>
internal static partial class WindowsCpu
{
    /// <summary>Whether feature number <paramref name="feature"/> (<c>PF_*</c>) is present.</summary>
    public static bool IsProcessorFeaturePresent(uint feature) => IsProcessorFeaturePresentNative(feature) != 0;

    [LibraryImport("kernel32.dll", EntryPoint = "IsProcessorFeaturePresent")]
    private static partial int IsProcessorFeaturePresentNative(uint feature);
}
