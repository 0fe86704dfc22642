namespace Gleitzeit.Cli;

/// <summary>The exit codes of <c>gleitzeit</c>.</summary>
public static class ExitCodes
{
    /// <summary>Every item succeeded.</summary>
    public const int Success = 0;

    /// <summary>Some items failed or were skipped; results are kept and the batch is resumable.</summary>
    public const int ItemsFailed = 1;

    /// <summary>Usage, configuration or connection error: nothing (more) could run.</summary>
    public const int UsageOrConfiguration = 2;

    /// <summary>Interrupted (Ctrl+C); finished items are kept and the batch is resumable.</summary>
    public const int Cancelled = 130;
}
