using System.Globalization;
using Gleitzeit.Batch.Providers.Local;

namespace Gleitzeit.Cli.Rendering;

/// <summary>How far a download has come, as progress displays write it: <c>24% (120.3 of 491.4 MB)</c>.</summary>
internal static class TransferText
{
    public static string Amount(ModelTransfer transfer) => transfer.Total is > 0 and var total
        ? string.Create(CultureInfo.InvariantCulture, $"{100 * transfer.Done / total}% ({Megabytes(transfer.Done)} of {Megabytes(total)} MB)")
        : $"{Megabytes(transfer.Done)} MB";

    /// <summary>The share done, 0 to 1; 0 when the length is unknown.</summary>
    public static double Fraction(ModelTransfer transfer) => transfer.Total is > 0 and var total ? Math.Clamp((double)transfer.Done / total, 0, 1) : 0;

    private static string Megabytes(long bytes) => (bytes / 1_000_000.0).ToString("0.0", CultureInfo.InvariantCulture);
}
