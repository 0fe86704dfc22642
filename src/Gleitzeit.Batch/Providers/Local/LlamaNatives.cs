using System.Runtime.InteropServices;
using LLama.Native;

namespace Gleitzeit.Batch.Providers.Local;

/// <summary>
/// Loads llama.cpp once per process: the build <see cref="LlamaBuildChooser"/> picks for this platform and CPU, from
/// <c>llama/&lt;rid&gt;/</c> beside the program. LLamaSharp's own choice reads the runtime's <c>Avx*.IsSupported</c>,
/// which is false ahead-of-time compiled, so it would always take the slowest build. ggml's libraries are loaded by
/// full path in dependency order (each later one finds those it links to already in the process: by file name on
/// Linux and Windows, by install name on macOS), then LLamaSharp is handed the llama library.
/// </summary>
public static class LlamaNatives
{
    /// <summary>The environment variable that points at a <c>llama/&lt;rid&gt;</c>-shaped folder elsewhere.</summary>
    public const string DirectoryVariable = "GLEITZEIT_LLAMA_NATIVES";

    private static readonly Lazy<LlamaRuntimeInfo> Loaded = new(Load, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>The runtime this process loaded, loading it on first use.</summary>
    /// <exception cref="ChatProviderException">No llama.cpp build for this machine, or it cannot be loaded (GZ1005).</exception>
    public static LlamaRuntimeInfo EnsureLoaded() => Loaded.Value;

    /// <summary>The last error line llama.cpp logged, to explain a failed load.</summary>
    public static string? LastError { get; private set; }

    private static LlamaRuntimeInfo Load()
    {
        var build = LlamaBuildChooser.Choose(LlamaPlatformReader.Current());
        var directory = FindDirectory(build)
            ?? throw CannotRun(Environment.GetEnvironmentVariable(DirectoryVariable) is { Length: > 0 } given
                ? $"{DirectoryVariable} points at {given}, which holds no {build.Llama}; point it at a llama/{build.Runtime} folder of the package, or unset it"
                : $"llama.cpp's libraries are not beside gleitzeit (looked for llama/{build.Runtime} under {AppContext.BaseDirectory}); reinstall the package, or set {DirectoryVariable} to a folder shaped like it");
        if (build.Libraries.FirstOrDefault(l => !File.Exists(FullPath(directory, l))) is { } missing)
        {
            throw CannotRun($"{directory} holds {build.Llama} but not {missing}, which the {build.Variant} build of {build.Runtime} needs; reinstall the package");
        }

        try
        {
            foreach (var library in build.Libraries.SkipLast(1))
            {
                NativeLibrary.Load(FullPath(directory, library));
            }

            NativeLibraryConfig.All
                .WithLibrary(FullPath(directory, build.Llama), null)
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
            throw CannotRun($"llama.cpp could not be loaded from {directory} ({detail}); {build.Needs}");
        }

        return new LlamaRuntimeInfo(directory, build.Variant, build.Runtime, build.Accelerator);
    }

    private static string? FindDirectory(LlamaBuild build)
    {
        if (Environment.GetEnvironmentVariable(DirectoryVariable) is { Length: > 0 } given)
        {
            return File.Exists(FullPath(given, build.Llama)) ? Path.GetFullPath(given) : null;
        }

        var baseDirectory = AppContext.BaseDirectory;
        string[] candidates =
        [
            Path.Combine(baseDirectory, "llama", build.Runtime),

            // The MSBuild package keeps one copy beside the portable worker (tools/net10.0/) for the native one (tools/linux-x64/).
            Path.Combine(baseDirectory, "..", "net10.0", "llama", build.Runtime),
        ];
        return candidates.Select(Path.GetFullPath).FirstOrDefault(d => File.Exists(FullPath(d, build.Llama)));
    }

    // Windows's loader wants backslashes in a full path.
    private static string FullPath(string directory, string library) =>
        Path.GetFullPath(Path.Combine(directory, library.Replace('/', Path.DirectorySeparatorChar)));

    private static ChatProviderException CannotRun(string message) =>
        new(message, DiagnosticCodes.CannotRunHere, isTransient: false, stopsBatch: true);
}

/// <summary>Which llama.cpp build a process loaded.</summary>
/// <param name="Directory">The folder of its libraries (<c>llama/&lt;rid&gt;</c>).</param>
/// <param name="CpuVariant">Which of the runtime's builds: <c>avx512</c>, <c>avx2</c>, <c>avx</c>, <c>noavx</c>, <c>rosetta2</c> or <c>arm64</c>.</param>
/// <param name="Runtime">The runtime identifier the build is made for.</param>
/// <param name="Accelerator">The GPU backend the build brings (<c>Metal</c>), or null for the CPU alone.</param>
public sealed record LlamaRuntimeInfo(string Directory, string CpuVariant, string Runtime, string? Accelerator);
