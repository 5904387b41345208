using Microsoft.ML.Tokenizers;

namespace MLNet.DeepText.Text;

/// <summary>
/// Turns strings into the model's token ids: tokenizer → truncation to <see cref="MaxTokens"/> → compact vocabulary.
/// Every text gets at least one token (an empty text becomes a single <see cref="Vocabulary.Unknown"/>), so every
/// sequence has something to attend to.
/// </summary>
public sealed class TextEncoder
{
    /// <summary>Name under which the tokenizer is registered in <see cref="DeepTextTokenizers"/>.</summary>
    public string TokenizerName { get; }
    /// <summary>Maximum number of tokens kept per text.</summary>
    public int MaxTokens { get; }
    /// <summary>Which tokens are kept when a text is longer than <see cref="MaxTokens"/>.</summary>
    public TruncationPolicy Truncation { get; }
    /// <summary>The compact vocabulary; null until learned.</summary>
    public Vocabulary? Vocabulary { get; private set; }

    private readonly Tokenizer _tokenizer;

    public TextEncoder(string tokenizerName, int maxTokens, TruncationPolicy truncation, Vocabulary? vocabulary = null)
    {
        if (maxTokens < 1) throw new ArgumentOutOfRangeException(nameof(maxTokens), maxTokens, "MaxTokens must be at least 1.");
        TokenizerName = tokenizerName;
        MaxTokens = maxTokens;
        Truncation = truncation;
        Vocabulary = vocabulary;
        _tokenizer = DeepTextTokenizers.Get(tokenizerName);
    }

    /// <summary>The tokenizer's ids for <paramref name="text"/>, truncated by the policy.</summary>
    public int[] Tokenize(ReadOnlySpan<char> text)
    {
        if (text.IsEmpty) return [];
        if (Truncation == TruncationPolicy.Head)
            return [.. _tokenizer.EncodeToIds(text, MaxTokens, out _, out _)];
        return Truncate(_tokenizer.EncodeToIds(text));
    }

    /// <summary>
    /// Token ids cut to <see cref="MaxTokens"/> by the policy: the first ones (head), the last ones (tail), or the first
    /// quarter and the last three quarters of the budget (head and tail).
    /// </summary>
    public int[] Truncate(IReadOnlyList<int> ids)
    {
        if (ids.Count <= MaxTokens) return [.. ids];
        int head = Truncation switch { TruncationPolicy.Head => MaxTokens, TruncationPolicy.Tail => 0, _ => MaxTokens / 4 };
        int tail = MaxTokens - head;
        var result = new int[MaxTokens];
        for (int i = 0; i < head; i++) result[i] = ids[i];
        for (int i = 0; i < tail; i++) result[head + i] = ids[ids.Count - tail + i];
        return result;
    }

    /// <summary>Learns the compact vocabulary from already tokenized training texts.</summary>
    public void LearnVocabulary(IEnumerable<IReadOnlyList<int>> tokenized, int minCount, int maxSize, IEnumerable<int>? extraIds = null) =>
        Vocabulary = Vocabulary.Learn(tokenized, minCount, maxSize, extraIds);

    /// <summary>Maps tokenizer ids to compact ids (at least one id).</summary>
    public long[] ToModelIds(IReadOnlyList<int> tokenizerIds)
    {
        var vocab = Vocabulary ?? throw new InvalidOperationException("The vocabulary has not been learned yet.");
        if (tokenizerIds.Count == 0) return [Vocabulary.Unknown];
        var ids = new long[tokenizerIds.Count];
        for (int i = 0; i < ids.Length; i++) ids[i] = vocab[tokenizerIds[i]];
        return ids;
    }

    /// <summary>Tokenizes, truncates and maps <paramref name="text"/> to the model's ids.</summary>
    public long[] Encode(ReadOnlySpan<char> text) => ToModelIds(Tokenize(text));
}
