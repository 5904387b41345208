using System.Text;
using System.Text.RegularExpressions;

namespace MLNet.DeepText.Text;

/// <summary>
/// The text-shortening hacks of Mutasodirin et al., "Simple Hack for Transformers against Heavy Long-Text
/// Classification" (2024): before a model truncates a long text, drop the words that carry the least, so that more
/// of the content fits. Each rule is independent:
/// <list type="bullet">
/// <item>stopwords (case-insensitive, from a list);</item>
/// <item>punctuation (runs of characters that are neither letters, digits nor white space);</item>
/// <item>low-frequency words: words seen in fewer than a threshold of training documents (counted by <see cref="Learn"/>);</item>
/// <item>recurring words: every occurrence of a word after its first in the same text.</item>
/// </list>
/// The paper found stopword removal alone the best. Kept tokens stay in order with their original joins: two kept
/// tokens are separated by one space when anything (white space or a removed token) stood between them, and by
/// nothing otherwise ("world." stays "world."); punctuation glued to the text before it stays glued ("like it!" → "like!"). Words are compared lower-cased (invariant culture).
/// </summary>
internal sealed class TextShortener
{
    /// <summary>A word (letters, digits, underscore, inner apostrophes as in "don't") or a run of other non-space characters.</summary>
    private static readonly Regex s_token = new(@"(?<word>[\p{L}\p{M}\p{N}_]+(?:['’][\p{L}\p{M}\p{N}_]+)*)|[^\s\p{L}\p{M}\p{N}_]+", RegexOptions.Compiled);

    private readonly HashSet<string> _stopWords;
    private readonly HashSet<string>? _frequentWords;

    /// <summary>Lower-cased stopwords removed (empty when stopword removal is off).</summary>
    public IReadOnlyCollection<string> StopWords => _stopWords;
    /// <summary>Remove punctuation tokens.</summary>
    public bool RemovePunctuation { get; }
    /// <summary>Remove every repeat of a word within a text.</summary>
    public bool RemoveRecurringWords { get; }
    /// <summary>Lower-cased words that are frequent enough to keep; null when low-frequency removal is off.</summary>
    public IReadOnlyCollection<string>? FrequentWords => _frequentWords;

    public TextShortener(IEnumerable<string> stopWords, bool removePunctuation, bool removeRecurringWords, IEnumerable<string>? frequentWords)
    {
        _stopWords = stopWords.Select(w => w.ToLowerInvariant()).ToHashSet(StringComparer.Ordinal);
        RemovePunctuation = removePunctuation;
        RemoveRecurringWords = removeRecurringWords;
        _frequentWords = frequentWords?.ToHashSet(StringComparer.Ordinal);
    }

    /// <summary>
    /// The lower-cased words that occur in at least <paramref name="minDocuments"/> of <paramref name="texts"/> (each text
    /// counts a word once): the vocabulary that low-frequency removal keeps.
    /// </summary>
    public static HashSet<string> Learn(IEnumerable<string> texts, int minDocuments)
    {
        var documentFrequency = new Dictionary<string, int>(StringComparer.Ordinal);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var text in texts)
        {
            seen.Clear();
            foreach (Match m in s_token.Matches(text))
            {
                if (!m.Groups["word"].Success) continue;
                var word = m.Value.ToLowerInvariant();
                if (seen.Add(word)) documentFrequency[word] = documentFrequency.GetValueOrDefault(word) + 1;
            }
        }
        return documentFrequency.Where(kv => kv.Value >= minDocuments).Select(kv => kv.Key).ToHashSet(StringComparer.Ordinal);
    }

    /// <summary>The shortened text.</summary>
    public string Shorten(ReadOnlySpan<char> text)
    {
        var source = text.ToString();
        var result = new StringBuilder(source.Length);
        var seen = RemoveRecurringWords ? new HashSet<string>(StringComparer.Ordinal) : null;
        int previousEnd = -1;   // end of the last kept token in the source; -1 before the first
        foreach (Match m in s_token.Matches(source))
        {
            if (!Keep(m, seen)) continue;
            // A space where anything stood between, except before punctuation that was glued to the text before it ("like it!" → "like!").
            bool glued = !m.Groups["word"].Success && m.Index > 0 && !char.IsWhiteSpace(source[m.Index - 1]);
            if (previousEnd >= 0 && m.Index > previousEnd && !glued) result.Append(' ');
            result.Append(m.ValueSpan);
            previousEnd = m.Index + m.Length;
        }
        return result.ToString();
    }

    private bool Keep(Match token, HashSet<string>? seen)
    {
        if (!token.Groups["word"].Success) return !RemovePunctuation;
        var word = token.Value.ToLowerInvariant();
        if (_stopWords.Contains(word)) return false;
        if (_frequentWords is not null && !_frequentWords.Contains(word)) return false;
        return seen is null || seen.Add(word);
    }
}
