using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace MLNet.DeepText.Models;

/// <summary>
/// A text classifier: [B, T] token ids and a [B, T] padding mask (true = real token) → [B, classes] logits.
/// <see cref="Embed"/> gives the pooled representation that the linear head reads.
/// </summary>
public abstract class TextClassifier : Module<Tensor, Tensor, Tensor>
{
    protected TextClassifier(string name) : base(name) { }

    /// <summary>The pooled document vector, [B, D].</summary>
    public abstract Tensor Embed(Tensor ids, Tensor paddingMask);

    /// <summary>Overwrites the word-embedding table with [vocabulary, embedding size] vectors (row 0, padding, is zeroed).</summary>
    public virtual void SetEmbeddings(Tensor vectors) =>
        throw new NotSupportedException($"{GetType().Name} does not take pretrained word vectors.");

    /// <summary>Number of parameter values (frozen ones included).</summary>
    public long ParameterCount => parameters().Sum(p => p.numel());

    /// <summary>
    /// The factor on the learning rate for the parameter named <paramref name="parameterName"/> (default 1): e.g. a
    /// pretrained encoder fine-tuned slowly under a new head that learns fast.
    /// </summary>
    public virtual double LearningRateScale(string parameterName) => 1.0;
}

/// <summary>
/// The serializable description of a classifier's architecture. A saved model stores it as JSON and
/// rebuilds the module from it before loading the weights. Each model family of this assembly adds a derived record
/// and registers it with <see cref="JsonDerivedTypeAttribute"/> below; a family in another assembly is registered with
/// <see cref="RegisterKindsIn"/> (its kind is its record's name without "Spec").
/// </summary>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "kind")]
[JsonDerivedType(typeof(TransformerEncoderSpec), "TransformerEncoder")]
[JsonDerivedType(typeof(CompactTransformerSpec), "CompactTransformer")]
[JsonDerivedType(typeof(StaircaseSpec), "Staircase")]
[JsonDerivedType(typeof(LongDocumentSpec), "LongDocument")]
public abstract record ClassifierSpec(int VocabularySize, int NumberOfClasses)
{
    /// <summary>Builds a freshly initialised module (uses torch's global random generator).</summary>
    public abstract TextClassifier Build();

    /// <summary>The model family's name: the record's type name without "Spec", e.g. "TransformerEncoder".</summary>
    [JsonIgnore]
    public string Kind => GetType().Name.EndsWith("Spec", StringComparison.Ordinal) ? GetType().Name[..^4] : GetType().Name;

    public string ToJson() => JsonSerializer.Serialize(this, s_json);

    public static ClassifierSpec FromJson(string json) =>
        JsonSerializer.Deserialize<ClassifierSpec>(json, s_json) ?? throw new InvalidDataException("Empty model spec.");

    private static readonly System.Collections.Concurrent.ConcurrentDictionary<Type, string> s_externalKinds = new();
    private static volatile JsonSerializerOptions s_json = JsonOptions();

    /// <summary>Registers the concrete spec records of <paramref name="assembly"/> (another assembly's model families).</summary>
    internal static void RegisterKindsIn(System.Reflection.Assembly assembly)
    {
        if (assembly == typeof(ClassifierSpec).Assembly) return;
        bool added = false;
        foreach (var type in assembly.GetTypes().Where(t => t.IsSubclassOf(typeof(ClassifierSpec)) && !t.IsAbstract))
            added |= s_externalKinds.TryAdd(type, type.Name.EndsWith("Spec", StringComparison.Ordinal) ? type.Name[..^4] : type.Name);
        if (added) s_json = JsonOptions();   // options cache their type information: make new ones
    }

    private static JsonSerializerOptions JsonOptions() => new()
    {
        Converters = { new JsonStringEnumConverter() },
        TypeInfoResolver = new DefaultJsonTypeInfoResolver
        {
            Modifiers =
            {
                info =>
                {
                    if (info.Type != typeof(ClassifierSpec)) return;
                    foreach (var (type, kind) in s_externalKinds) info.PolymorphismOptions!.DerivedTypes.Add(new JsonDerivedType(type, kind));
                },
            },
        },
    };
}
