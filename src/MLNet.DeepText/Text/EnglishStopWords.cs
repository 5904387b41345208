namespace MLNet.DeepText.Text;

/// <summary>
/// The built-in English stopword list: function words (articles, pronouns, auxiliaries, prepositions, conjunctions),
/// close to NLTK's list but without negations ("no", "not", "nor", "never", "cannot" and the n't forms): removing those
/// flips the meaning a classifier needs (sentiment, complaints).
/// </summary>
internal static class EnglishStopWords
{
    public static readonly IReadOnlyList<string> Words =
    [
        "i", "me", "my", "myself", "we", "our", "ours", "ourselves", "you", "your", "yours", "yourself", "yourselves",
        "he", "him", "his", "himself", "she", "her", "hers", "herself", "it", "its", "itself", "they", "them", "their",
        "theirs", "themselves", "what", "which", "who", "whom", "this", "that", "these", "those", "am", "is", "are", "was",
        "were", "be", "been", "being", "have", "has", "had", "having", "do", "does", "did", "doing", "a", "an", "the",
        "and", "but", "if", "or", "because", "as", "until", "while", "of", "at", "by", "for", "with", "about", "against",
        "between", "into", "through", "during", "before", "after", "above", "below", "to", "from", "up", "down", "in",
        "out", "on", "off", "over", "under", "again", "further", "then", "once", "here", "there", "when", "where", "why",
        "how", "all", "any", "both", "each", "few", "more", "most", "other", "some", "such", "only", "own", "same", "so",
        "than", "too", "very", "s", "t", "can", "will", "just", "should", "now", "d", "ll", "m", "o", "re", "ve", "y",
        "i'm", "you're", "he's", "she's", "it's", "we're", "they're", "i've", "you've", "we've", "they've", "i'd",
        "you'd", "he'd", "she'd", "we'd", "they'd", "i'll", "you'll", "he'll", "she'll", "we'll", "they'll", "that's",
        "there's", "what's", "let's", "would", "could", "also",
    ];
}
