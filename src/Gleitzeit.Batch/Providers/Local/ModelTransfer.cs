namespace Gleitzeit.Batch.Providers.Local;

/// <summary>How far a model download has come.</summary>
/// <param name="Model">The model as the user named it.</param>
/// <param name="Path">Where the file is being written.</param>
/// <param name="Done">Bytes on disk so far (a resumed download starts above zero).</param>
/// <param name="Total">The file's length, when known.</param>
/// <param name="Finished">Whether the file is in place and verified.</param>
public sealed record ModelTransfer(string Model, string Path, long Done, long? Total, bool Finished);
