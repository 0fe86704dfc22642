using Gleitzeit.Batch.Execution;

namespace Gleitzeit.Cli.Rendering;

/// <summary>Shows a running batch: live on a terminal, plain lines when redirected or in CI.</summary>
internal interface IProgressRenderer : IProgress<BatchProgressEvent>
{
    /// <summary>Shows progress until <paramref name="work"/> ends, and returns its result.</summary>
    Task<T> RunAsync<T>(string title, Func<Task<T>> work);
}

/// <summary>Chooses the renderer for a context.</summary>
internal static class ProgressRenderers
{
    public static IProgressRenderer For(CliContext context) =>
        context.Interactive && context.Verbosity == Verbosity.Normal ? new LiveProgressRenderer(context) : new PlainProgressRenderer(context);

    /// <summary>Seconds as the progress display shows them: <c>2.3s</c>, <c>15s</c>.</summary>
    public static string Seconds(TimeSpan time) =>
        time.TotalSeconds < 10
            ? time.TotalSeconds.ToString("0.0", System.Globalization.CultureInfo.InvariantCulture) + "s"
            : time.TotalSeconds.ToString("0", System.Globalization.CultureInfo.InvariantCulture) + "s";
}
