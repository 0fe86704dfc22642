namespace Gleitzeit.Batch.Documents;

/// <summary>Turns the bytes of one kind of document into the text the model receives and its structure.</summary>
public interface IDocumentExtractor
{
    /// <summary>The library that reads the format, e.g. <c>pdfpig</c>; stable, part of the cache key.</summary>
    string Name { get; }

    /// <summary>The library's version and our revision, e.g. <c>0.1.16+1</c>; the revision goes up whenever our output changes, so the cache re-keys.</summary>
    string Version { get; }

    /// <summary><c>name/version</c>, as cache keys and artifacts record it.</summary>
    string Id => $"{Name}/{Version}";

    /// <summary>Extracts <paramref name="content"/>.</summary>
    /// <exception cref="DocumentException">Protected, without text, damaged or over a limit.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> ended it.</exception>
    ExtractedDocument Extract(ReadOnlyMemory<byte> content, DocumentLimits limits, CancellationToken cancellationToken);
}
