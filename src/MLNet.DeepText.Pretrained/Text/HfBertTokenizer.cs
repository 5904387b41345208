using System.Globalization;
using System.Text;
using Microsoft.ML.Tokenizers;

namespace MLNet.DeepText.Pretrained.Text;

/// <summary>
/// A Microsoft.ML.Tokenizers <see cref="BertTokenizer"/> that gives the same ids as HuggingFace's BertTokenizerFast
/// (tokenizers' BertNormalizer + BertPreTokenizer + WordPiece) for uncased BERT vocabularies such as all-MiniLM-L6-v2.
/// </summary>
/// <remarks>
/// BertTokenizer 2.0.1 with its own normalizer/pre-tokenizer differs from HF on ordinary text
/// (dotnet/machinelearning #7724, #7725, #7728): it deletes \t \n \r instead of treating them as spaces (words merge),
/// deletes every symbol character ($ + = &lt; &gt; ^ ` | ~ ° © emoji…, not even [UNK]), keeps '_' inside words, and only strips
/// accents when RemoveNonSpacingMarks = true. Its WordPiece step and special tokens are fine, so we keep BertTokenizer
/// and replace only the two text rules through BertOptions.Normalizer / BertOptions.PreTokenizer.
/// </remarks>
internal static class HfBertTokenizer
{
    /// <summary>The same WordPiece ids without BERT's [CLS]/[SEP] (a plain <see cref="WordPieceTokenizer"/>), for texts read in segments.</summary>
    public static WordPieceTokenizer CreateWordPiece(Stream vocabTxt, bool lowerCase = true)
    {
        RequireNormalization(lowerCase);
        return WordPieceTokenizer.Create(vocabTxt, new WordPieceOptions
        {
            Normalizer = new HfBertNormalizer(lowerCase),
            PreTokenizer = new HfBertPreTokenizer([]),   // special tokens typed in a text are ordinary text here
        });
    }

    private static void RequireNormalization(bool lowerCase)
    {
        // Accent stripping needs Unicode decomposition, which is a no-op under InvariantGlobalization (#7728): fail loudly.
        if (lowerCase && "é".Normalize(NormalizationForm.FormD).Length != 2)
            throw new PlatformNotSupportedException("Uncased BERT tokenization needs Unicode normalization (ICU); it is unavailable under InvariantGlobalization.");
    }

    public static BertTokenizer Create(Stream vocabTxt, bool lowerCase = true)
    {
        RequireNormalization(lowerCase);
        return BertTokenizer.Create(vocabTxt, new BertOptions
        {
            LowerCaseBeforeTokenization = lowerCase,
            Normalizer = new HfBertNormalizer(lowerCase),
            // HF matches [CLS] [SEP] [PAD] [UNK] [MASK] in the raw text; here they are matched after lowercasing (so "[mask]" counts too).
            PreTokenizer = new HfBertPreTokenizer(new[] { "[CLS]", "[SEP]", "[PAD]", "[UNK]", "[MASK]" }.Select(t => lowerCase ? t.ToLowerInvariant() : t).ToArray()),
        });
    }
}

/// <summary>HF tokenizers' BertNormalizer(clean_text, handle_chinese_chars, strip_accents = lowercase, lowercase).</summary>
internal sealed class HfBertNormalizer(bool lowerCase) : Normalizer
{
    public override string Normalize(ReadOnlySpan<char> original) => Normalize(original.ToString());

    public override string Normalize(string original)
    {
        var sb = new StringBuilder(original.Length + 8);
        foreach (var r in original.EnumerateRunes())
        {
            // clean_text: drop NUL, U+FFFD and "other" chars (Cc, Cf, Co, Cs; HF's Rust tables miss Cn) except \t \n \r; whitespace -> ' '
            if (r.Value == 0 || r.Value == 0xFFFD || (IsOther(r) && r.Value is not ('\t' or '\n' or '\r'))) continue;
            if (Rune.IsWhiteSpace(r)) { sb.Append(' '); continue; }
            // handle_chinese_chars: CJK ideographs become separate words
            if (IsCjk(r.Value)) sb.Append(' ').Append(r.ToString()).Append(' ');
            else sb.Append(r.ToString());
        }
        string s = sb.ToString();
        if (!lowerCase) return s;
        // strip_accents (defaults to lowercase in HF): NFD, drop non-spacing marks; then lowercase
        var stripped = new StringBuilder(s.Length);
        foreach (var r in Nfd(s).EnumerateRunes())
            if (Rune.GetUnicodeCategory(r) != UnicodeCategory.NonSpacingMark) stripped.Append(r.ToString());
        return stripped.ToString().ToLowerInvariant();
    }

    // string.Normalize throws on noncharacters such as U+FFFE (BertTokenizer's own normalizer does too): then go rune by rune.
    static string Nfd(string s)
    {
        try { return s.Normalize(NormalizationForm.FormD); }
        catch (ArgumentException)
        {
            var sb = new StringBuilder(s.Length);
            foreach (var r in s.EnumerateRunes())
            {
                string one = r.ToString();
                try { sb.Append(one.Normalize(NormalizationForm.FormD)); } catch (ArgumentException) { sb.Append(one); }
            }
            return sb.ToString();
        }
    }

    static bool IsOther(Rune r) => Rune.GetUnicodeCategory(r) is UnicodeCategory.Control or UnicodeCategory.Format
        or UnicodeCategory.PrivateUse or UnicodeCategory.Surrogate;

    // The ranges of HF's _is_chinese_char.
    static bool IsCjk(int cp) => cp is >= 0x4E00 and <= 0x9FFF or >= 0x3400 and <= 0x4DBF or >= 0x20000 and <= 0x2A6DF
        or >= 0x2A700 and <= 0x2B73F or >= 0x2B740 and <= 0x2B81F or >= 0x2B820 and <= 0x2CEAF
        or >= 0xF900 and <= 0xFAFF or >= 0x2F800 and <= 0x2FA1F;
}

/// <summary>HF BertPreTokenizer: split on whitespace; every punctuation char (ASCII non-alphanumeric or Unicode P*) is its own piece.</summary>
internal sealed class HfBertPreTokenizer(string[] specialTokens) : PreTokenizer
{
    public override IEnumerable<(int Offset, int Length)> PreTokenize(ReadOnlySpan<char> text) => Split(text.ToString());
    public override IEnumerable<(int Offset, int Length)> PreTokenize(string text) => Split(text);

    List<(int Offset, int Length)> Split(string text)
    {
        var pieces = new List<(int, int)>();
        int start = -1, i = 0, skip = 0;
        foreach (var r in text.EnumerateRunes())
        {
            if (skip > 0) { skip -= r.Utf16SequenceLength; i += r.Utf16SequenceLength; continue; }
            if (r.Value == '[' && specialTokens.FirstOrDefault(t => text.AsSpan(i).StartsWith(t, StringComparison.Ordinal)) is { } special)
            {   // a special token is one piece (WordPiece finds it: BertTokenizer adds the lowercased forms to its vocabulary)
                if (start >= 0) { pieces.Add((start, i - start)); start = -1; }
                pieces.Add((i, special.Length));
                skip = special.Length - 1; i += 1;
                continue;
            }
            bool space = Rune.IsWhiteSpace(r), punct = IsPunctuation(r);
            if ((space || punct) && start >= 0) { pieces.Add((start, i - start)); start = -1; }
            if (punct) pieces.Add((i, r.Utf16SequenceLength));
            else if (!space && start < 0) start = i;
            i += r.Utf16SequenceLength;
        }
        if (start >= 0) pieces.Add((start, i - start));
        return pieces;
    }

    static bool IsPunctuation(Rune r) =>
        (r.Value is >= 33 and <= 47 or >= 58 and <= 64 or >= 91 and <= 96 or >= 123 and <= 126)
        || Rune.GetUnicodeCategory(r) is UnicodeCategory.ConnectorPunctuation or UnicodeCategory.DashPunctuation
            or UnicodeCategory.OpenPunctuation or UnicodeCategory.ClosePunctuation or UnicodeCategory.InitialQuotePunctuation
            or UnicodeCategory.FinalQuotePunctuation or UnicodeCategory.OtherPunctuation;
}
