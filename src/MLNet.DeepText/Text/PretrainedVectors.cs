using System.Globalization;
using Microsoft.ML.Tokenizers;

namespace MLNet.DeepText.Text;

/// <summary>
/// Word vectors read from a text file in the GloVe / fastText <c>.vec</c> / word2vec text format: one word per line
/// followed by its values, separated by spaces (a first line of two integers, "count dimension", is skipped).
/// Each word is mapped onto the tokenizer: a word whose form " word", "word" (and, for a lower-case word, " Word",
/// "Word") is a single token of the tokenizer gives that token its vector; the first occurrence in the file wins,
/// so frequency-ordered files give the most common form. Words the tokenizer splits into several pieces are not used.
/// Nothing is downloaded: the file is the user's.
/// </summary>
internal sealed class PretrainedVectors
{
    private readonly Dictionary<int, float[]> _vectors;

    /// <summary>The file read (or the model the vectors come from).</summary>
    public string Path { get; }
    /// <summary>Values per vector.</summary>
    public int Dimension { get; }
    /// <summary>Words read from the file.</summary>
    public int WordCount { get; }
    /// <summary>Tokenizer ids that received a vector, in file order.</summary>
    public IReadOnlyList<int> TokenizerIds { get; }
    /// <summary>Standard deviation of all values read; rows without a vector are drawn from N(0, this).</summary>
    public double StandardDeviation { get; }

    private PretrainedVectors(string path, int dimension, int wordCount, List<int> ids, Dictionary<int, float[]> vectors, double std)
    {
        Path = path; Dimension = dimension; WordCount = wordCount; TokenizerIds = ids; _vectors = vectors; StandardDeviation = std;
    }

    /// <summary>
    /// A pretrained model's token table, row i the vector of tokenizer id i (for a tokenizer with exactly that
    /// vocabulary, e.g. a BERT encoder's WordPiece): [<paramref name="rows"/>, <paramref name="dimension"/>] row-major.
    /// </summary>
    public static PretrainedVectors FromTokenTable(string source, float[] table, int rows, int dimension)
    {
        if ((long)rows * dimension != table.Length)
            throw new ArgumentException($"A token table of {table.Length} values is not {rows} × {dimension}.", nameof(table));
        var vectors = new Dictionary<int, float[]>(rows);
        double sum = 0, sumOfSquares = 0;
        for (int id = 0; id < rows; id++)
        {
            vectors[id] = table.AsSpan(id * dimension, dimension).ToArray();
            foreach (var v in vectors[id]) { sum += v; sumOfSquares += (double)v * v; }
        }
        double mean = sum / table.Length;
        return new PretrainedVectors(source, dimension, rows, [.. Enumerable.Range(0, rows)], vectors,
            Math.Sqrt(Math.Max(1e-12, sumOfSquares / table.Length - mean * mean)));
    }

    /// <summary>Reads <paramref name="path"/> and maps its words onto <paramref name="tokenizer"/>'s ids.</summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">A line is malformed (the message names the file and line).</exception>
    public static PretrainedVectors Load(string path, Tokenizer tokenizer)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"The word-vector file '{path}' does not exist.", path);
        var vectors = new Dictionary<int, float[]>();
        var ids = new List<int>();
        int dimension = -1, words = 0, lineNumber = 0;
        double sum = 0, sumOfSquares = 0; long values = 0;
        foreach (var rawLine in File.ReadLines(path))
        {
            lineNumber++;
            var line = rawLine.TrimEnd();
            if (line.Length == 0) continue;
            var fields = line.Split(' ');
            if (lineNumber == 1 && fields.Length == 2 && int.TryParse(fields[0], out _) && int.TryParse(fields[1], out _)) continue;  // word2vec header
            if (dimension < 0)
            {
                dimension = fields.Length - 1;
                if (dimension < 1) throw Malformed(path, lineNumber, "a word followed by at least one value was expected");
            }
            if (fields.Length < dimension + 1)
                throw Malformed(path, lineNumber, $"{fields.Length - 1} values where the first vector had {dimension}");
            // Some files (GloVe 840B) have words containing spaces: the last `dimension` fields are the values.
            string word = fields.Length == dimension + 1 ? fields[0] : string.Join(' ', fields[..^dimension]);
            var vector = new float[dimension];
            for (int i = 0; i < dimension; i++)
            {
                if (!float.TryParse(fields[fields.Length - dimension + i], NumberStyles.Float, CultureInfo.InvariantCulture, out vector[i]))
                    throw Malformed(path, lineNumber, $"'{fields[fields.Length - dimension + i]}' is not a number");
            }
            words++;
            bool used = false;
            foreach (var form in Forms(word))
            {
                var encoded = tokenizer.EncodeToIds(form);
                if (encoded.Count != 1 || vectors.ContainsKey(encoded[0])) continue;
                vectors[encoded[0]] = vector;
                ids.Add(encoded[0]);
                used = true;
            }
            if (used)
            {
                foreach (var v in vector) { sum += v; sumOfSquares += (double)v * v; }
                values += dimension;
            }
        }
        if (dimension < 0) throw Malformed(path, lineNumber, "the file has no vectors");
        double mean = values == 0 ? 0 : sum / values;
        double std = values == 0 ? 1 : Math.Sqrt(Math.Max(1e-12, sumOfSquares / values - mean * mean));
        return new PretrainedVectors(path, dimension, words, ids, vectors, std);
    }

    /// <summary>
    /// The embedding table for <paramref name="vocabulary"/>, row-major [vocabulary.Size, <see cref="Dimension"/>]:
    /// the file's vector where the token has one, a seeded N(0, <see cref="StandardDeviation"/>) draw elsewhere, zeros for padding.
    /// </summary>
    public float[] EmbeddingTable(Vocabulary vocabulary, int seed, out int rowsFromFile)
    {
        var table = new float[(long)vocabulary.Size * Dimension];
        var rng = new Random(seed);
        rowsFromFile = 0;
        for (int row = 1; row < vocabulary.Size; row++)
        {
            var span = table.AsSpan(row * Dimension, Dimension);
            if (row >= Vocabulary.ReservedCount && _vectors.TryGetValue(vocabulary.TokenizerIds[row - Vocabulary.ReservedCount], out var v))
            {
                v.CopyTo(span);
                rowsFromFile++;
            }
            else
            {
                for (int i = 0; i < span.Length; i++) span[i] = (float)(StandardDeviation * Gaussian(rng));
            }
        }
        return table;
    }

    private static IEnumerable<string> Forms(string word)
    {
        yield return " " + word;
        yield return word;
        if (word.Length > 0 && char.IsLower(word[0]))
        {
            var capitalized = char.ToUpperInvariant(word[0]) + word[1..];
            yield return " " + capitalized;
            yield return capitalized;
        }
    }

    private static double Gaussian(Random rng) =>
        Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble());

    private static InvalidDataException Malformed(string path, int line, string what) =>
        new($"Word-vector file '{path}', line {line}: {what}. Expected lines of the form 'word v1 v2 ... vN' (GloVe, fastText .vec or word2vec text format).");
}
