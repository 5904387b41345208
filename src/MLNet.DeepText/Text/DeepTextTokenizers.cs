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

    private static readonly ConcurrentBag<Func<string, Tokenizer?>> s_resolvers = [];

    /// <summary>Adds a source of tokenizers for names nobody registered (e.g. "wordpiece:&lt;vocab.txt path&gt;"); it returns null for names it does not know.</summary>
    internal static void RegisterResolver(Func<string, Tokenizer?> resolve) => s_resolvers.Add(resolve);

    /// <summary>Whether a tokenizer is registered under <paramref name="name"/> (or a resolver knows the name).</summary>
    public static bool IsRegistered(string name) => TryGet(name) is not null;

    private static Tokenizer? TryGet(string name)
    {
        if (s_tokenizers.TryGetValue(name, out var t)) return t.Value;
        foreach (var resolve in s_resolvers)
            if (resolve(name) is { } tokenizer) return s_tokenizers.GetOrAdd(name, new Lazy<Tokenizer>(tokenizer)).Value;
        return null;
    }

    /// <summary>The tokenizer registered under <paramref name="name"/>.</summary>
    /// <exception cref="InvalidOperationException">No tokenizer has that name.</exception>
    public static Tokenizer Get(string name) =>
        TryGet(name) ?? throw new InvalidOperationException(
                $"No tokenizer is registered under the name '{name}'. A model trained with a custom tokenizer needs " +
                $"DeepTextTokenizers.Register(\"{name}\", tokenizer) to be called before it is loaded.");
}
