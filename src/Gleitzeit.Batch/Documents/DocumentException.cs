namespace Gleitzeit.Batch.Documents;

/// <summary>
/// A document that cannot be extracted: protected, without a text layer, damaged, or over a limit. One line naming
/// what to do; <see cref="Code"/> is the item's GZ code and <see cref="IsSkip"/> says whether the item is skipped
/// (over a limit, like a file over the size limit) rather than failed.
/// </summary>
public sealed class DocumentException : Exception
{
    public DocumentException(string message, string code, bool isSkip = false)
        : base(message)
    {
        Code = code;
        IsSkip = isSkip;
    }

    public DocumentException(string message, string code, Exception innerException)
        : base(message, innerException)
    {
        Code = code;
    }

    public DocumentException()
        : this("the document cannot be read", DiagnosticCodes.DocumentDamaged)
    {
    }

    public DocumentException(string message)
        : this(message, DiagnosticCodes.DocumentDamaged)
    {
    }

    public DocumentException(string message, Exception innerException)
        : this(message, DiagnosticCodes.DocumentDamaged, innerException)
    {
    }

    /// <summary>The item's GZ code (GZ3011–GZ3014).</summary>
    public string Code { get; }

    /// <summary>Whether the item is skipped (over a limit) rather than failed.</summary>
    public bool IsSkip { get; }

    internal static DocumentException Damaged(string what, Exception? inner = null) =>
        inner is null
            ? new($"damaged {what}: it cannot be read; open and save it again, or exclude it", DiagnosticCodes.DocumentDamaged)
            : new($"damaged {what}: it cannot be read ({inner.Message.TrimEnd('.')}); open and save it again, or exclude it", DiagnosticCodes.DocumentDamaged, inner);

    /// <summary>Throws the page-limit skip when <paramref name="count"/> pages, slides or sheets are over <see cref="DocumentLimits.MaxPages"/>.</summary>
    internal static void CheckPages(string what, int count, string unit, DocumentLimits limits)
    {
        if (count > limits.MaxPages)
        {
            throw OverLimit(string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{what} of {count:N0} {unit}s, over the {limits.MaxPages:N0}-{unit} limit"));
        }
    }

    internal static DocumentException OverLimit(string what) =>
        new($"{what}: skipped (extraction stops there so one document cannot hold up the batch)", DiagnosticCodes.DocumentOverLimit, isSkip: true);
}
