using Microsoft.ML.Tokenizers;

namespace MLNet.DeepText.Text;

/// <summary>
/// Turns strings into the model's token ids: tokenizer → truncation to <see cref="MaxTokens"/> → compact vocabulary.
/// Every text gets at least one token (an empty text becomes a single <see cref="Vocabulary.Unknown"/>), so every
/// sequence has something to attend to.
/// </summary>
internal sealed class TextEncoder
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

    /// <summary>Texts up to this many characters are tokenized in one call.</summary>
    internal const int WholeTextChars = 4096;
    /// <summary>Longer texts are tokenized in segments of about this many characters (see <see cref="SegmentBounds"/>).</summary>
    private const int SegmentChars = 256;

    /// <summary>
    /// The tokenizer's ids for <paramref name="text"/>, truncated by the policy. The work is bounded by what
    /// <see cref="MaxTokens"/> can use, whatever the text: a long text is tokenized segment by segment from the end(s)
    /// the policy keeps, and only until enough tokens are found; the middle is never read. (BPE tokenizers are quadratic
    /// in the length of an unbroken word, so one megabyte without a space would otherwise take minutes.)
    /// </summary>
    public int[] Tokenize(ReadOnlySpan<char> text)
    {
        if (text.IsEmpty) return [];
        if (text.Length <= WholeTextChars)
            return Truncation == TruncationPolicy.Head
                ? [.. _tokenizer.EncodeToIds(text, MaxTokens, out _, out _)]
                : Truncate(_tokenizer.EncodeToIds(text));

        var bounds = SegmentBounds(text);
        int segments = bounds.Count - 1, next = 0, previous = segments;
        var front = new List<int>();
        if (Truncation != TruncationPolicy.Tail)
            while (next < previous && front.Count < MaxTokens) front.AddRange(Encode(text, bounds, next++));
        var back = new List<IReadOnlyList<int>>();
        int backCount = 0;
        if (Truncation != TruncationPolicy.Head)
            while (previous > next && backCount < MaxTokens)
            {
                var ids = Encode(text, bounds, --previous);
                back.Add(ids);
                backCount += ids.Count;
            }
        // Either every segment was read, or each end read holds at least MaxTokens tokens: both give what truncating
        // the whole text's tokens gives.
        for (int i = back.Count - 1; i >= 0; i--) front.AddRange(back[i]);
        return Truncate(front);
    }

    private IReadOnlyList<int> Encode(ReadOnlySpan<char> text, List<int> bounds, int segment) =>
        _tokenizer.EncodeToIds(text[bounds[segment]..bounds[segment + 1]]);

    /// <summary>
    /// Cuts a text into segments of at least <see cref="SegmentChars"/> characters, cutting before a single space between
    /// two non-space characters. No pre-token of tiktoken's patterns (nor of BERT's) runs from a non-space into a following
    /// space, and none looks behind, so a whole-text tokenization has a token boundary there too and the segments' tokens
    /// are exactly the whole text's. A run of more than 4 × <see cref="SegmentChars"/> characters without such a place is
    /// cut anyway (never inside a surrogate pair): only there can tokens differ.
    /// </summary>
    internal static List<int> SegmentBounds(ReadOnlySpan<char> text)
    {
        var bounds = new List<int> { 0 };
        int last = 0;
        for (int k = 1; k < text.Length - 1; k++)
        {
            int length = k - last;
            if (length < SegmentChars) continue;
            bool atWordStart = text[k] == ' ' && !char.IsWhiteSpace(text[k - 1]) && !char.IsWhiteSpace(text[k + 1]);
            bool forced = length >= 4 * SegmentChars && !char.IsLowSurrogate(text[k]);
            if (atWordStart || forced) bounds.Add(last = k);
        }
        bounds.Add(text.Length);
        return bounds;
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

    /// <summary>Uses <paramref name="vocabulary"/> (e.g. a pretrained model's whole one) instead of learning one.</summary>
    public void UseVocabulary(Vocabulary vocabulary) => Vocabulary = vocabulary;

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
