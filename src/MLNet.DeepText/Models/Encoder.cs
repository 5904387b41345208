using System.Reflection;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace MLNet.DeepText.Models;

/// <summary>
/// What every model family is: [B, T] token ids and a [B, T] padding mask (true = real token) → token states
/// [B, T', Width] and which of them are real, [B, T']. T' may differ from T (a convolutional tokenizer halves it, a
/// hierarchical encoder returns one state per chunk). An encoder with a class token returns its state first.
/// Heads, pooling and side paths belong to <see cref="TextClassifier"/>, so they are written once for every family.
/// </summary>
/// <summary>A module whose evaluation mode can compute its large matrix products in bfloat16 (a pretrained BERT layer).</summary>
internal interface IBFloat16Path
{
    /// <summary>Takes bfloat16 copies of the weights as they are now (<paramref name="on"/>), or drops them (float32).</summary>
    void UseBFloat16(bool on);
}

internal abstract class Encoder : Module<Tensor, Tensor, (Tensor States, Tensor Mask)>
{
    protected Encoder(string name) : base(name) { }

    /// <summary>The word-vector table [vocabulary, word vector size] that pretrained vectors are copied into; null when there is none.</summary>
    public virtual Parameter? WordVectors => null;

    /// <summary>The factor on the learning rate of the encoder's parameter <paramref name="parameterName"/> (named within the encoder). Default 1.</summary>
    public virtual double LearningRateScale(string parameterName) => 1.0;

    /// <summary>
    /// Keeps the pretrained weights as they are, but for the top <paramref name="trainableTopLayers"/> layers. An
    /// encoder without layers to tell apart only freezes whole (<paramref name="trainableTopLayers"/> 0).
    /// </summary>
    public virtual void Freeze(int trainableTopLayers)
    {
        if (trainableTopLayers != 0) throw new NotSupportedException($"{GetType().Name} freezes only as a whole.");
        foreach (var p in parameters()) p.requires_grad = false;
    }
}

/// <summary>
/// The serializable description of an encoder. A saved model stores it as JSON (its kind is the record's name without
/// "Spec") and rebuilds the module from it before loading the weights. Every concrete spec record of this assembly is
/// a known kind; a family defined in another assembly is added with <see cref="RegisterKindsIn"/>.
/// </summary>
/// <param name="VocabularySize">Rows of the token table: the learned vocabulary with its reserved ids.</param>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "kind")]
internal abstract record EncoderSpec(int VocabularySize)
{
    /// <summary>Builds a freshly initialised encoder (draws from torch's global generator; see <c>TorchRandom.Build</c>).</summary>
    public abstract Encoder Build();

    /// <summary>Width of the token states the encoder returns.</summary>
    [JsonIgnore] public abstract int StateWidth { get; }

    /// <summary>Whether the encoder adds a class token (returned first), so that a classifier may read it.</summary>
    [JsonIgnore] public virtual bool HasClassToken => false;

    /// <summary>The model family's name: the record's type name without "Spec", e.g. "TransformerEncoder".</summary>
    [JsonIgnore] public string Kind => KindOf(GetType());

    private static string KindOf(Type type) => type.Name.EndsWith("Spec", StringComparison.Ordinal) ? type.Name[..^4] : type.Name;

    private static readonly System.Collections.Concurrent.ConcurrentDictionary<Type, string> s_kinds = new(SpecTypes(typeof(EncoderSpec).Assembly));

    /// <summary>The kinds the JSON reader and writer know: every concrete spec of this assembly and of the registered ones.</summary>
    internal static IEnumerable<JsonDerivedType> Kinds => s_kinds.Select(k => new JsonDerivedType(k.Key, k.Value));

    /// <summary>Registers the concrete spec records of <paramref name="assembly"/> (another assembly's model families).</summary>
    internal static void RegisterKindsIn(Assembly assembly)
    {
        bool added = false;
        foreach (var (type, kind) in SpecTypes(assembly)) added |= s_kinds.TryAdd(type, kind);
        if (added) ClassifierSpec.KindsChanged();
    }

    private static IEnumerable<KeyValuePair<Type, string>> SpecTypes(Assembly assembly) =>
        assembly.GetTypes().Where(t => t.IsSubclassOf(typeof(EncoderSpec)) && !t.IsAbstract).Select(t => KeyValuePair.Create(t, KindOf(t)));
}
