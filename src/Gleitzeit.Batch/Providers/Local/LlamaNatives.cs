using System.Runtime.InteropServices;
using LLama.Native;

namespace Gleitzeit.Batch.Providers.Local;

/// <summary>
/// Loads llama.cpp once per process, choosing the CPU build this machine runs best. The packages carry, for
/// linux-x64 only, <c>llama/linux-x64/</c> with the shared libraries and one <c>libggml-cpu.so</c> per instruction
/// set (<c>cpu-noavx</c>, <c>cpu-avx</c>, <c>cpu-avx2</c>, <c>cpu-avx512</c>). LLamaSharp's own choice reads the
/// runtime's <c>Avx*.IsSupported</c>, which is false ahead-of-time compiled, so it would always take the slowest
/// build; the choice here reads the CPU's flags from <c>/proc/cpuinfo</c>, loads ggml's libraries by full path in
/// dependency order (later loads find them already in the process), then hands LLamaSharp <c>libllama.so</c>.
/// </summary>
public static class LlamaNatives
{
    /// <summary>The environment variable that points at a <c>llama/linux-x64</c>-shaped folder elsewhere.</summary>
    public const string DirectoryVariable = "GLEITZEIT_LLAMA_NATIVES";

    private static readonly Lazy<LlamaRuntimeInfo> Loaded = new(Load, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>The runtime this process loaded, loading it on first use.</summary>
    /// <exception cref="ChatProviderException">No llama.cpp build for this machine, or it cannot be loaded (GZ1005).</exception>
    public static LlamaRuntimeInfo EnsureLoaded() => Loaded.Value;

    /// <summary>The instruction set of the CPU build for a <c>/proc/cpuinfo</c> flags line.</summary>
    public static string CpuVariant(string? flagsLine)
    {
        var flags = (flagsLine ?? string.Empty).Split([' ', '\t', ':'], StringSplitOptions.RemoveEmptyEntries).ToHashSet(StringComparer.Ordinal);
        return flags.Contains("avx512f") ? "avx512" : flags.Contains("avx2") && flags.Contains("fma") ? "avx2" : flags.Contains("avx") ? "avx" : "noavx";
    }

    private static LlamaRuntimeInfo Load()
    {
        if (!OperatingSystem.IsLinux() || RuntimeInformation.ProcessArchitecture != Architecture.X64)
        {
            throw CannotRun($"the local provider runs on linux-x64 only (this is {RuntimeInformation.RuntimeIdentifier}); use provider ollama or an OpenAI-compatible server");
        }

        var directory = FindDirectory()
            ?? throw CannotRun(Environment.GetEnvironmentVariable(DirectoryVariable) is { Length: > 0 } given
                ? $"{DirectoryVariable} points at {given}, which holds no libllama.so; point it at a llama/linux-x64 folder of the package, or unset it"
                : $"llama.cpp's libraries are not beside gleitzeit (looked for llama/linux-x64 under {AppContext.BaseDirectory}); reinstall the package, or set {DirectoryVariable} to a folder holding libllama.so");
        var variant = CpuVariant(FlagsLine());
        try
        {
            NativeLibrary.Load(Path.Combine(directory, "libggml-base.so"));
            NativeLibrary.Load(Path.Combine(directory, $"cpu-{variant}", "libggml-cpu.so"));
            NativeLibrary.Load(Path.Combine(directory, "libggml.so"));
            NativeLibraryConfig.All
                .WithLibrary(Path.Combine(directory, "libllama.so"), null)
                .WithLogCallback(static (level, message) =>
                {
                    // The native log is chatty (progress dots at Continue, tensors at Info); errors surface as exceptions.
                    if (level is LLamaLogLevel.Error)
                    {
                        LastError = message.Trim();
                    }
                });
        }
        catch (Exception ex) when (ex is DllNotFoundException or BadImageFormatException or TypeInitializationException or InvalidOperationException or LLama.Exceptions.RuntimeError)
        {
            var detail = (ex.InnerException ?? ex).Message;
            throw CannotRun($"llama.cpp could not be loaded from {directory} ({detail}); it needs glibc 2.34 or later, libstdc++ and libgomp (apt-get install libgomp1)");
        }

        return new LlamaRuntimeInfo(directory, variant);
    }

    /// <summary>The last error line llama.cpp logged, to explain a failed load.</summary>
    public static string? LastError { get; private set; }

    private static string? FindDirectory()
    {
        if (Environment.GetEnvironmentVariable(DirectoryVariable) is { Length: > 0 } given)
        {
            return File.Exists(Path.Combine(given, "libllama.so")) ? Path.GetFullPath(given) : null;
        }

        var candidates = new List<string>();
        var baseDirectory = AppContext.BaseDirectory;
        candidates.Add(Path.Combine(baseDirectory, "llama", "linux-x64"));

        // The MSBuild package keeps one copy beside the portable worker (tools/net10.0/) for the native one (tools/linux-x64/).
        candidates.Add(Path.Combine(baseDirectory, "..", "net10.0", "llama", "linux-x64"));
        return candidates.Select(Path.GetFullPath).FirstOrDefault(d => File.Exists(Path.Combine(d, "libllama.so")));
    }

    private static string? FlagsLine()
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

    private static ChatProviderException CannotRun(string message) =>
        new(message, DiagnosticCodes.CannotRunHere, isTransient: false, stopsBatch: true);
}

/// <summary>Which llama.cpp build a process loaded.</summary>
/// <param name="Directory">The folder of its libraries.</param>
/// <param name="CpuVariant">The instruction set of its CPU build: <c>avx512</c>, <c>avx2</c>, <c>avx</c> or <c>noavx</c>.</param>
public sealed record LlamaRuntimeInfo(string Directory, string CpuVariant);
