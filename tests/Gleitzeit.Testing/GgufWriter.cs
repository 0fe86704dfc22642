using System.Buffers.Binary;
using System.Text;

namespace Gleitzeit.Testing;

/// <summary>
/// Writes a GGUF v3 file: header, metadata, tensor infos, then F32 tensor data aligned to
/// <see cref="Alignment"/> bytes. Tensors are registered with their shape and a function that fills
/// their values, so large files stream to disk without holding every tensor in memory.
/// </summary>
internal sealed class GgufWriter
{
    /// <summary>GGUF's default alignment of tensor data (<c>general.alignment</c>).</summary>
    public const int Alignment = 32;

    private const uint Magic = 0x46554747; // "GGUF" little-endian
    private const uint Version = 3;

    private readonly List<(string Key, Action<BinaryWriter> Write)> _metadata = [];
    private readonly List<Tensor> _tensors = [];

    private enum ValueType : uint
    {
        UInt32 = 4,
        Int32 = 5,
        Float32 = 6,
        Bool = 7,
        String = 8,
        Array = 9,
    }

    /// <summary>Adds a <c>uint32</c> value.</summary>
    public void Add(string key, uint value) => _metadata.Add((key, w => { Type(w, ValueType.UInt32); w.Write(value); }));

    /// <summary>Adds a <c>float32</c> value.</summary>
    public void Add(string key, float value) => _metadata.Add((key, w => { Type(w, ValueType.Float32); w.Write(value); }));

    /// <summary>Adds a <c>bool</c> value.</summary>
    public void Add(string key, bool value) => _metadata.Add((key, w => { Type(w, ValueType.Bool); w.Write(value); }));

    /// <summary>Adds a string value.</summary>
    public void Add(string key, string value) => _metadata.Add((key, w => { Type(w, ValueType.String); String(w, value); }));

    /// <summary>Adds an array of strings.</summary>
    public void Add(string key, IReadOnlyList<string> values) => _metadata.Add((key, w =>
    {
        ArrayHeader(w, ValueType.String, values.Count);
        foreach (var value in values)
        {
            String(w, value);
        }
    }));

    /// <summary>Adds an array of <c>float32</c>.</summary>
    public void Add(string key, IReadOnlyList<float> values) => _metadata.Add((key, w =>
    {
        ArrayHeader(w, ValueType.Float32, values.Count);
        foreach (var value in values)
        {
            w.Write(value);
        }
    }));

    /// <summary>Adds an array of <c>int32</c>.</summary>
    public void Add(string key, IReadOnlyList<int> values) => _metadata.Add((key, w =>
    {
        ArrayHeader(w, ValueType.Int32, values.Count);
        foreach (var value in values)
        {
            w.Write(value);
        }
    }));

    /// <summary>
    /// Adds an F32 tensor of shape <paramref name="shape"/> (GGUF order: the first dimension is the
    /// contiguous one, i.e. the row length); <paramref name="fill"/> writes row <c>r</c> into the span.
    /// </summary>
    public void AddTensor(string name, long[] shape, Action<int, Span<float>> fill) => _tensors.Add(new Tensor(name, shape, fill));

    /// <summary>Writes the whole file to <paramref name="stream"/> (which need not be seekable).</summary>
    public void WriteTo(Stream stream)
    {
        using var header = new MemoryStream();
        using (var w = new BinaryWriter(header, Encoding.UTF8, leaveOpen: true))
        {
            w.Write(Magic);
            w.Write(Version);
            w.Write((ulong)_tensors.Count);
            w.Write((ulong)_metadata.Count);
            foreach (var (key, write) in _metadata)
            {
                String(w, key);
                write(w);
            }

            ulong offset = 0;
            foreach (var tensor in _tensors)
            {
                String(w, tensor.Name);
                w.Write((uint)tensor.Shape.Length);
                foreach (var dimension in tensor.Shape)
                {
                    w.Write((ulong)dimension);
                }

                w.Write(0u); // GGML_TYPE_F32
                w.Write(offset);
                offset += (ulong)Padded(tensor.ByteCount);
            }
        }

        header.SetLength(Padded(header.Length));
        header.Position = 0;
        header.CopyTo(stream);
        foreach (var tensor in _tensors)
        {
            WriteData(stream, tensor);
            stream.Write(new byte[Padded(tensor.ByteCount) - tensor.ByteCount]);
        }

        stream.Flush();
    }

    private static void WriteData(Stream stream, Tensor tensor)
    {
        var rowLength = (int)tensor.Shape[0];
        var rows = (int)(tensor.Elements / rowLength);
        var row = new float[rowLength];
        var bytes = new byte[rowLength * sizeof(float)];
        for (var r = 0; r < rows; r++)
        {
            Array.Clear(row);
            tensor.Fill(r, row);
            for (var i = 0; i < row.Length; i++)
            {
                BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(i * sizeof(float)), row[i]);
            }

            stream.Write(bytes);
        }
    }

    private static long Padded(long bytes) => (bytes + Alignment - 1) / Alignment * Alignment;

    private static void Type(BinaryWriter w, ValueType type) => w.Write((uint)type);

    private static void ArrayHeader(BinaryWriter w, ValueType elementType, int count)
    {
        Type(w, ValueType.Array);
        Type(w, elementType);
        w.Write((ulong)count);
    }

    private static void String(BinaryWriter w, string value)
    {
        var bytes = Encoding.UTF8.GetBytes(value);
        w.Write((ulong)bytes.Length);
        w.Write(bytes);
    }

    private sealed record Tensor(string Name, long[] Shape, Action<int, Span<float>> Fill)
    {
        public long Elements => Shape.Aggregate(1L, (a, b) => a * b);

        public long ByteCount => Elements * sizeof(float);
    }
}
