using System.Collections.Concurrent;
using Microsoft.ML.Tokenizers;

namespace MLNet.DeepText;

/// <summary>
/// The tokenizers a model can name. A saved model records its tokenizer's name, and loading it looks the
/// name up here. <c>cl100k_base</c> (a tiktoken encoding shipped in a NuGet package, so nothing is downloaded)
/// is built in; register any other <see cref="Tokenizer"/> under a name before training or loading with it.
/// </summary>
public static class DeepTextTokenizers
{
    /// <summary>The name of the default tokenizer: the tiktoken <c>cl100k_base</c> encoding.</summary>
    public const string Default = "cl100k_base";

    private static readonly ConcurrentDictionary<string, Lazy<Tokenizer>> s_tokenizers = new(StringComparer.Ordinal)
    {
        [Default] = new Lazy<Tokenizer>(() => TiktokenTokenizer.CreateForEncoding(Default)),
    };

    /// <summary>Registers (or replaces) a tokenizer under <paramref name="name"/>.</summary>
    public static void Register(string name, Tokenizer tokenizer)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(tokenizer);
        s_tokenizers[name] = new Lazy<Tokenizer>(tokenizer);
    }

    private static readonly ConcurrentDictionary<string, System.Reflection.Assembly> s_packages = new(StringComparer.Ordinal);

    /// <summary>
    /// Registers a tokenizer that is made on first use (e.g. from a package's embedded vocabulary); an existing name is
    /// kept. The assembly that registers it is remembered, so a saved model can name it and loading it can load it.
    /// </summary>
    internal static void RegisterLazy(string name, Func<Tokenizer> create)
    {
        if (s_tokenizers.TryAdd(name, new Lazy<Tokenizer>(create)) && create.Method.DeclaringType?.Assembly is { } assembly && assembly != typeof(DeepTextTokenizers).Assembly)
            s_packages[name] = assembly;
    }

    /// <summary>The assembly that registered <paramref name="name"/> when it is another package's tokenizer; null otherwise.</summary>
    internal static System.Reflection.Assembly? Package(string name) => s_packages.GetValueOrDefault(name);

    private static readonly ConcurrentDictionary<string, Func<byte[], Tokenizer>> s_formats = new(StringComparer.Ordinal);
    private static readonly ConcurrentDictionary<string, byte[]> s_data = new(StringComparer.Ordinal);

    /// <summary>Registers how a tokenizer of <paramref name="format"/> (e.g. "wordpiece") is made from its data (e.g. a vocab.txt).</summary>
    internal static void RegisterFormat(string format, Func<byte[], Tokenizer> create) => s_formats[format] = create;

    /// <summary>
    /// Registers the tokenizer that <paramref name="format"/> makes from <paramref name="data"/>, under a name derived from
    /// the data ("wordpiece:sha256-…"): the same data always has the same name, other data never does. A model trained
    /// with it carries the data in its zip and registers it again when loaded, so loading needs no file.
    /// </summary>
    /// <returns>The tokenizer's name.</returns>
    internal static string RegisterData(string format, byte[] data)
    {
        var create = s_formats.TryGetValue(format, out var f) ? f
            : throw new InvalidDataException($"No tokenizer format '{format}' is registered (the package that defines it is not loaded).");
        var name = $"{format}:sha256-{Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(data))[..32].ToLowerInvariant()}";
        s_data.TryAdd(name, data);
        if (s_tokenizers.TryAdd(name, new Lazy<Tokenizer>(() => create(data))) && create.Method.DeclaringType?.Assembly is { } assembly && assembly != typeof(DeepTextTokenizers).Assembly)
            s_packages[name] = assembly;
        return name;
    }

    /// <summary>The data of a tokenizer registered by <see cref="RegisterData"/> (saved in the model zip), null for other tokenizers.</summary>
    internal static byte[]? Data(string name) => s_data.GetValueOrDefault(name);

    /// <summary>The format part of a tokenizer name made by <see cref="RegisterData"/>.</summary>
    internal static string FormatOf(string name) => name[..Math.Max(0, name.IndexOf(':'))];

    /// <summary>Whether a tokenizer is registered under <paramref name="name"/>.</summary>
    public static bool IsRegistered(string name) => s_tokenizers.ContainsKey(name);

    /// <summary>The tokenizer registered under <paramref name="name"/>.</summary>
    /// <exception cref="InvalidOperationException">No tokenizer has that name.</exception>
    public static Tokenizer Get(string name) =>
        (s_tokenizers.TryGetValue(name, out var t) ? t.Value : null) ?? throw new InvalidOperationException(
                $"No tokenizer is registered under the name '{name}'. A model trained with a custom tokenizer needs " +
                $"DeepTextTokenizers.Register(\"{name}\", tokenizer) to be called before it is loaded.");
}
