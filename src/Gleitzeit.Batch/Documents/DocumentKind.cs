namespace Gleitzeit.Batch.Documents;

/// <summary>What a file is, read from its bytes (<see cref="DocumentKinds.Detect"/>).</summary>
public enum DocumentKind
{
    /// <summary>Not a document: plain text, an image or other binary content, sent (or refused) as before.</summary>
    None,

    /// <summary>A PDF file.</summary>
    Pdf,

    /// <summary>A Word document (docx, docm, dotx, dotm).</summary>
    Docx,

    /// <summary>A PowerPoint presentation (pptx, pptm, potx, potm, ppsx).</summary>
    Pptx,

    /// <summary>An Excel workbook (xlsx, xlsm, xltx, xltm).</summary>
    Xlsx,

    /// <summary>An HTML page.</summary>
    Html,

    /// <summary>An OLE2 compound file: a legacy .doc/.xls/.ppt, or an OOXML file saved with a password (encrypted inside one).</summary>
    ProtectedOrLegacyOffice,
}
