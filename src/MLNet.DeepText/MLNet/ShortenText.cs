using System.Text.Json;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Runtime;
using Microsoft.ML.Transforms.Text;
using MLNet.DeepText.Text;

namespace MLNet.DeepText;

/// <summary>
/// Options of <see cref="DeepTextCatalog.ShortenText(TransformsCatalog.TextTransforms, string, string, ShortenTextOptions)"/>:
/// which words to drop from a text before a model reads (and truncates) it. The defaults follow the paper's finding
/// (Mutasodirin et al. 2024): remove stopwords only.
/// </summary>
public sealed class ShortenTextOptions
{
    /// <summary>Remove the stopwords of <see cref="Language"/> and <see cref="CustomStopWords"/>. Default true.</summary>
    public bool RemoveStopWords { get; set; } = true;
    /// <summary>
    /// The built-in stopword list: English is this library's own list (function words, negations kept); the other
    /// languages use the lists that ship with ML.NET's <c>RemoveDefaultStopWords</c>. Null uses only <see cref="CustomStopWords"/>.
    /// Default English.
    /// </summary>
    public StopWordsRemovingEstimator.Language? Language { get; set; } = StopWordsRemovingEstimator.Language.English;
    /// <summary>More stopwords (compared case-insensitively), added to the language's list. Default none.</summary>
    public IReadOnlyList<string>? CustomStopWords { get; set; }
    /// <summary>Remove punctuation (runs of characters that are neither letters, digits nor white space). Default false.</summary>
    public bool RemovePunctuation { get; set; }
    /// <summary>
    /// Remove low-frequency words: keep only words that occur in at least this many documents of the data given to
    /// <c>Fit</c> (words never seen there are removed too). 0 turns it off. Default 0.
    /// </summary>
    public int MinWordDocuments { get; set; }
    /// <summary>Remove every repeat of a word after its first occurrence in the same text. Default false.</summary>
    public bool RemoveRecurringWords { get; set; }

    internal void Validate()
    {
        if (MinWordDocuments < 0)
            throw new ArgumentOutOfRangeException(nameof(MinWordDocuments), MinWordDocuments, $"Option {nameof(MinWordDocuments)} must be 0 (off) or a positive document count.");
        if (Language is { } language && !Enum.IsDefined(language))
            throw new ArgumentOutOfRangeException(nameof(Language), language, $"Option {nameof(Language)} = {language} is not a language ML.NET has a stopword list for.");
        if (CustomStopWords?.Any(string.IsNullOrWhiteSpace) == true)
            throw new ArgumentException($"Option {nameof(CustomStopWords)} contains an empty or blank word.", nameof(CustomStopWords));
        if (!RemoveStopWords && !RemovePunctuation && MinWordDocuments == 0 && !RemoveRecurringWords)
            throw new ArgumentException("ShortenText: every rule is off (RemoveStopWords, RemovePunctuation, MinWordDocuments, RemoveRecurringWords); the text would pass unchanged.");
    }

    /// <summary>The stopwords to remove: the language's list plus the custom words (empty when stopword removal is off).</summary>
    internal IEnumerable<string> StopWords()
    {
        if (!RemoveStopWords) return [];
        IEnumerable<string> builtIn = Language switch
        {
            null => [],
            StopWordsRemovingEstimator.Language.English => EnglishStopWords.Words,
            { } other => MlNetStopWords(other),
        };
        return builtIn.Concat(CustomStopWords ?? []);
    }

    private static string[] MlNetStopWords(StopWordsRemovingEstimator.Language language)
    {
        var name = $"Microsoft.ML.Transforms.Text.StopWords.{language}.txt";
        using var stream = typeof(StopWordsRemovingEstimator).Assembly.GetManifestResourceStream(name)
            ?? throw new NotSupportedException($"This version of Microsoft.ML has no built-in stopword list for {language} (resource '{name}'). Pass your own list in CustomStopWords and set Language to null.");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd().Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
    }
}

/// <summary>The estimator of <c>ShortenText</c>: learns the word document frequencies when low-frequency removal is on.</summary>
public sealed class ShortenTextEstimator : IEstimator<ShortenTextTransformer>
{
    private readonly string _outputColumnName, _inputColumnName;
    private readonly ShortenTextOptions _options;

    internal ShortenTextEstimator(string outputColumnName, string inputColumnName, ShortenTextOptions options)
    {
        ArgumentException.ThrowIfNullOrEmpty(outputColumnName);
        ArgumentException.ThrowIfNullOrEmpty(inputColumnName);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        (_outputColumnName, _inputColumnName, _options) = (outputColumnName, inputColumnName, options);
    }

    /// <summary>Counts word document frequencies when a minimum is set, and returns the transformer.</summary>
    public ShortenTextTransformer Fit(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var column = TextInput.CheckText(input.Schema, _inputColumnName);
        HashSet<string>? frequent = null;
        if (_options.MinWordDocuments > 0)
        {
            frequent = TextShortener.Learn(input.GetColumn<ReadOnlyMemory<char>>(column).Select(t => t.ToString()), _options.MinWordDocuments);
        }
        var shortener = new TextShortener(_options.StopWords(), _options.RemovePunctuation, _options.RemoveRecurringWords, frequent);
        return new ShortenTextTransformer(shortener, _outputColumnName, _inputColumnName);
    }

    /// <inheritdoc />
    public SchemaShape GetOutputSchema(SchemaShape inputSchema)
    {
        var input = inputSchema.FirstOrDefault(c => c.Name == _inputColumnName);
        if (input.Name is null)
            throw new ArgumentOutOfRangeException(nameof(inputSchema), $"ShortenText: the input column '{_inputColumnName}' was not found. Available columns: {string.Join(", ", inputSchema.Select(c => c.Name))}.");
        if (input.Kind != SchemaShape.Column.VectorKind.Scalar || input.ItemType is not TextDataViewType)
            throw new ArgumentOutOfRangeException(nameof(inputSchema), $"ShortenText: the input column '{_inputColumnName}' must be text (string), not {input.ItemType}{(input.Kind == SchemaShape.Column.VectorKind.Scalar ? "" : " vector")}.");
        var columns = inputSchema.ToDictionary(c => c.Name);
        columns[_outputColumnName] = MlNetBridge.ShapeColumn(_outputColumnName, SchemaShape.Column.VectorKind.Scalar, TextDataViewType.Instance, false);
        return new SchemaShape(columns.Values);
    }
}

/// <summary>
/// The fitted <c>ShortenText</c> transform: adds a text column holding the input text with stopwords (and, as chosen,
/// punctuation, low-frequency and recurring words) removed. Saved and loaded with the model.
/// </summary>
public sealed class ShortenTextTransformer : ITransformer
{
    internal const string LoaderSignature = "DeepTextShortenText";
    private const string ModelSignature = "DTXTSHRT";
    private const uint FormatVersion = 0x00010002;          // 1.2: checksummed (CheckedModelEntries)
    private const uint UncheckedFormatVersion = 0x00010001; // 1.1: still read

    internal TextShortener Shortener { get; }
    /// <summary>The column read.</summary>
    public string InputColumnName { get; }
    /// <summary>The column written.</summary>
    public string OutputColumnName { get; }

    bool ITransformer.IsRowToRowMapper => true;

    internal ShortenTextTransformer(TextShortener shortener, string outputColumnName, string inputColumnName) =>
        (Shortener, OutputColumnName, InputColumnName) = (shortener, outputColumnName, inputColumnName);

    /// <summary>The shortened form of one text.</summary>
    public string Shorten(string text) => Shortener.Shorten(text);

    /// <inheritdoc />
    public DataViewSchema GetOutputSchema(DataViewSchema inputSchema)
    {
        CheckInput(inputSchema);
        var builder = new DataViewSchema.Builder();
        builder.AddColumns(inputSchema);
        builder.AddColumn(OutputColumnName, TextDataViewType.Instance);
        return builder.ToSchema();
    }

    private DataViewSchema.Column CheckInput(DataViewSchema schema)
    {
        var column = schema.GetColumnOrNull(InputColumnName)
            ?? throw new ArgumentOutOfRangeException(nameof(schema), $"ShortenText: the input column '{InputColumnName}' was not found. Available columns: {string.Join(", ", schema.Select(c => c.Name))}.");
        if (column.Type is not TextDataViewType)
            throw new ArgumentOutOfRangeException(nameof(schema), $"ShortenText: the input column '{InputColumnName}' must be text (string), not {column.Type}.");
        return column;
    }

    /// <inheritdoc />
    public IDataView Transform(IDataView input) =>
        new MappedTextDataView(input, CheckInput(input.Schema), GetOutputSchema(input.Schema), Shortener.Shorten);

    /// <inheritdoc />
    public IRowToRowMapper GetRowToRowMapper(DataViewSchema inputSchema) =>
        new MappedTextRowMapper(inputSchema, CheckInput(inputSchema), GetOutputSchema(inputSchema), Shortener.Shorten);

    // ---------- save / load ----------

    private sealed record Saved(string InputColumnName, string OutputColumnName, string[] StopWords, bool RemovePunctuation,
        bool RemoveRecurringWords, string[]? FrequentWords);

    void ICanSaveModel.Save(ModelSaveContext ctx)
    {
        var json = JsonSerializer.Serialize(new Saved(InputColumnName, OutputColumnName, [.. Shortener.StopWords.Order(StringComparer.Ordinal)],
            Shortener.RemovePunctuation, Shortener.RemoveRecurringWords, Shortener.FrequentWords?.Order(StringComparer.Ordinal).ToArray()));
        CheckedModelEntries.Save(ctx, MlNetBridge.VersionInfo(ModelSignature, FormatVersion, LoaderSignature), System.Text.Encoding.UTF8.GetBytes(json));
    }

    /// <summary>Called by ML.NET's model loader, which finds it through the [LoadableClass] attribute the build weaves in.</summary>
    internal static ShortenTextTransformer Create(IHostEnvironment env, object ctx)
    {
        var versionInfo = MlNetBridge.VersionInfo(ModelSignature, FormatVersion, LoaderSignature, oldestReadable: UncheckedFormatVersion);
        Saved? s;
        try
        {
            s = MlNetBridge.VersionWritten(ctx) < FormatVersion
                ? JsonSerializer.Deserialize<Saved>(MlNetBridge.BeginLoad(ctx, versionInfo).ReadString())
                : JsonSerializer.Deserialize<Saved>(CheckedModelEntries.Load(ctx, versionInfo).Header);
        }
        catch (JsonException e) { throw CheckedModelEntries.Damaged(ctx, MlNetBridge.MainEntryName, $"its settings cannot be read ({e.Message})", e); }
        if (s is null) throw CheckedModelEntries.Damaged(ctx, MlNetBridge.MainEntryName, "its settings are empty");
        return new ShortenTextTransformer(new TextShortener(s.StopWords, s.RemovePunctuation, s.RemoveRecurringWords, s.FrequentWords),
            s.OutputColumnName, s.InputColumnName);
    }
}
