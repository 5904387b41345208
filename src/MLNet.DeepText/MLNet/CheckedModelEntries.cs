using System.Security.Cryptography;
using Microsoft.ML;

namespace MLNet.DeepText;

/// <summary>
/// Integrity for what a DeepText component writes into an ML.NET model zip. The main entry (<c>Model.key</c>) holds
/// the header bytes with their SHA-256 and the SHA-256 of every binary entry; loading verifies each before using it,
/// so a damaged or swapped entry fails with one clear <see cref="InvalidDataException"/> naming the model file and the
/// entry, instead of loading and scoring differently. (Zip readers do not verify CRCs, and compressed weights can change
/// without a decompression error.)
/// </summary>
internal static class CheckedModelEntries
{
    /// <summary>Writes <paramref name="header"/> and <paramref name="entries"/> with their checksums.</summary>
    public static void Save(ModelSaveContext ctx, object versionInfo, byte[] header, params (string Name, byte[] Bytes)[] entries)
    {
        var writer = MlNetBridge.BeginSave(ctx, versionInfo);
        writer.Write(header.Length);
        writer.Write(header);
        writer.Write(SHA256.HashData(header));
        writer.Write(entries.Length);
        foreach (var (name, bytes) in entries)
        {
            writer.Write(name);
            writer.Write(SHA256.HashData(bytes));
        }
        foreach (var (name, bytes) in entries) MlNetBridge.SaveBinaryStream(ctx, name, w => w.Write(bytes));
    }

    /// <summary>The verified header bytes and a reader of verified entries.</summary>
    public static (byte[] Header, Func<string, byte[]> ReadEntry) Load(object ctx, object versionInfo)
    {
        var reader = MlNetBridge.BeginLoad(ctx, versionInfo);
        try
        {
            int length = reader.ReadInt32();
            if (length < 0 || length > reader.BaseStream.Length) throw Damaged(ctx, MlNetBridge.MainEntryName, "its header length is invalid");
            var header = reader.ReadBytes(length);
            if (!reader.ReadBytes(32).AsSpan().SequenceEqual(SHA256.HashData(header))) throw Damaged(ctx, MlNetBridge.MainEntryName, "its checksum does not match");
            var hashes = new Dictionary<string, byte[]>();
            for (int i = reader.ReadInt32(); i > 0; i--) hashes[reader.ReadString()] = reader.ReadBytes(32);
            return (header, name =>
            {
                var bytes = ReadEntry(ctx, name);
                if (!hashes.TryGetValue(name, out var expected) || !expected.AsSpan().SequenceEqual(SHA256.HashData(bytes)))
                    throw Damaged(ctx, name, "its checksum does not match");
                return bytes;
            });
        }
        catch (EndOfStreamException) { throw Damaged(ctx, MlNetBridge.MainEntryName, "it ends too early"); }
    }

    /// <summary>The bytes of binary entry <paramref name="name"/>, unverified.</summary>
    public static byte[] ReadEntry(object ctx, string name)
    {
        byte[] bytes = [];
        MlNetBridge.LoadBinaryStream(ctx, name, r =>
        {
            using var copy = new MemoryStream();
            r.BaseStream.CopyTo(copy);
            bytes = copy.ToArray();
        });
        return bytes;
    }

    /// <summary>An <see cref="InvalidDataException"/> that names the model file and the entry.</summary>
    public static InvalidDataException Damaged(object ctx, string entry, string why, Exception? inner = null) => new(
        $"The model file {MlNetBridge.ModelFileName(ctx) ?? "being loaded"} is damaged: entry '{MlNetBridge.EntryPath(ctx, entry)}' " +
        $"(written by MLNet.DeepText) cannot be used because {why}. Save the model again, or restore the file from a copy.", inner);
}
