using TorchSharp;
using MLNet.DeepText.Models;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace MLNet.DeepText.Pretrained.Models;

/// <summary>Shape of a BERT encoder, inferred from an ONNX graph. <see cref="NumHeads"/> is null when the graph does not show it.</summary>
internal sealed record BertConfig(
    int VocabSize, int HiddenSize, int NumLayers, int? NumHeads, int IntermediateSize,
    int MaxPositions, int TypeVocabSize, double LayerNormEps, string HiddenAct);


/// <summary>
/// HuggingFace BertModel's encoder (no pooler) in pure TorchSharp: word + absolute position + token-type embeddings,
/// post-norm layers (x = LN(x + Attn(x)); x = LN(x + FFN(x))), exact (erf) GELU. Submodules are registered under
/// HuggingFace's names so that <c>named_parameters()</c> yields "embeddings.word_embeddings.weight",
/// "encoder.layer.0.attention.self.query.weight", … and weights load by name.
/// </summary>
internal sealed class BertEncoder : Module<Tensor, Tensor, Tensor?, Tensor>
{
    readonly BertEmbeddings embeddings;
    readonly BertStack encoder;

    public BertEncoder(BertConfig c, double dropout = 0.1, double attentionDropout = 0.0) : base(nameof(BertEncoder))
    {
        if (c.NumHeads is not int heads) throw new ArgumentException("BertConfig.NumHeads must be known (it is not stored in the weights).");
        if (c.HiddenAct != "gelu") throw new NotSupportedException($"Activation '{c.HiddenAct}' is not supported; only erf GELU.");
        embeddings = new BertEmbeddings(c, dropout);
        encoder = new BertStack(c, heads, dropout, attentionDropout);
        register_module("embeddings", embeddings);
        register_module("encoder", encoder);
    }

    /// <summary>[B, T] Int64 token ids, [B, T] attention mask (1 = token, 0 = padding), optional [B, T] token types → [B, T, H].</summary>
    public override Tensor forward(Tensor inputIds, Tensor attentionMask, Tensor? tokenTypeIds)
    {
        using var scope = NewDisposeScope();
        // Additive mask [B, 1, 1, T]: 0 where attending is allowed, a large negative number on padding.
        var additive = (1 - attentionMask.to(float32)).mul(-1e9f).unsqueeze(1).unsqueeze(1);
        var x = encoder.forward(embeddings.forward(inputIds, tokenTypeIds), additive);
        return scope.MoveToOuter(x);
    }

    /// <summary>Copies weights (HF names, PyTorch layout) into the parameters; every parameter must be given, with its exact shape.</summary>
    public void LoadWeights(IReadOnlyDictionary<string, (long[] Shape, float[] Data)> weights)
    {
        using var _ = no_grad();
        foreach (var (name, p) in named_parameters())
        {
            if (!weights.TryGetValue(name, out var w)) throw new KeyNotFoundException($"No weight for parameter '{name}'.");
            if (!w.Shape.SequenceEqual(p.shape))
                throw new ArgumentException($"Weight '{name}' is [{string.Join(",", w.Shape)}], the parameter is [{string.Join(",", p.shape)}].");
            using var src = tensor(w.Data, w.Shape);
            p.copy_(src);
        }
    }
}

sealed class BertEmbeddings : Module<Tensor, Tensor?, Tensor>
{
    readonly Embedding word_embeddings, position_embeddings, token_type_embeddings;
    readonly LayerNorm LayerNorm;
    readonly FastDropout dropout;

    public BertEmbeddings(BertConfig c, double p) : base(nameof(BertEmbeddings))
    {
        word_embeddings = Embedding(c.VocabSize, c.HiddenSize);
        position_embeddings = Embedding(c.MaxPositions, c.HiddenSize);
        token_type_embeddings = Embedding(c.TypeVocabSize, c.HiddenSize);
        LayerNorm = nn.LayerNorm(c.HiddenSize, c.LayerNormEps);
        dropout = new FastDropout(p);
        RegisterComponents();   // field names are the HF names
    }

    public override Tensor forward(Tensor ids, Tensor? tokenTypes)
    {
        long t = ids.shape[1];
        var positions = arange(t, dtype: int64, device: ids.device).unsqueeze(0);   // absolute positions 0..T-1
        tokenTypes ??= zeros_like(ids);
        var x = word_embeddings.forward(ids) + position_embeddings.forward(positions) + token_type_embeddings.forward(tokenTypes);
        return dropout.forward(LayerNorm.forward(x));
    }
}

sealed class BertStack : Module<Tensor, Tensor, Tensor>
{
    readonly ModuleList<BertLayer> layer;

    public BertStack(BertConfig c, int heads, double p, double pAttn) : base(nameof(BertStack))
    {
        layer = new ModuleList<BertLayer>(Enumerable.Range(0, c.NumLayers).Select(_ => new BertLayer(c, heads, p, pAttn)).ToArray());
        RegisterComponents();
    }

    public override Tensor forward(Tensor x, Tensor mask)
    {
        foreach (var l in layer) x = l.forward(x, mask);
        return x;
    }
}

/// <summary>One post-norm layer; parameter names attention.self.{query,key,value}, attention.output.{dense,LayerNorm}, intermediate.dense, output.{dense,LayerNorm}.</summary>
sealed class BertLayer : Module<Tensor, Tensor, Tensor>, IBFloat16Path
{
    readonly Linear query, key, value, attnDense, interDense, outDense;
    readonly LayerNorm attnNorm, outNorm;
    readonly FastDropout dropout;
    readonly int heads, headSize;
    readonly double pAttn;
    Tensor[]? bfloat16;   // weight and bias of query, key, value, attention output, intermediate, output; null: float32

    public BertLayer(BertConfig c, int heads, double p, double pAttn) : base(nameof(BertLayer))
    {
        int h = c.HiddenSize;
        this.heads = heads; headSize = h / heads; this.pAttn = pAttn;
        query = Linear(h, h); key = Linear(h, h); value = Linear(h, h); attnDense = Linear(h, h);
        interDense = Linear(h, c.IntermediateSize); outDense = Linear(c.IntermediateSize, h);
        attnNorm = LayerNorm(h, c.LayerNormEps); outNorm = LayerNorm(h, c.LayerNormEps);
        dropout = new FastDropout(p);
        // Nested HF names without one C# class per level: plain containers.
        register_module("attention", ModuleDict<Module>(
            ("self", ModuleDict<Module>(("query", query), ("key", key), ("value", value))),
            ("output", ModuleDict<Module>(("dense", attnDense), ("LayerNorm", attnNorm)))));
        register_module("intermediate", ModuleDict<Module>(("dense", interDense)));
        register_module("output", ModuleDict<Module>(("dense", outDense), ("LayerNorm", outNorm)));
    }

    /// <summary>
    /// Takes bfloat16 copies of the six matrices and their biases for evaluation mode (<paramref name="on"/>), or drops them;
    /// norms, softmax, GELU and residual sums stay float32.
    /// Single-text scoring is bound by reading the weights (42 MB in float32 for MiniLM) and by small matrix products;
    /// on CPUs with bfloat16 instructions half the bytes take less than half the time (RESULTS.md, issue 12).
    /// Training mode always computes in float32 from the parameters. The copies do not follow later changes of the
    /// weights: take them once the weights are final (DeepTextTransformer does, when it wraps a trained or loaded model).
    /// </summary>
    public void UseBFloat16(bool on)
    {
        if (bfloat16 is not null) foreach (var t in bfloat16) t.Dispose();
        bfloat16 = null;
        if (!on) return;
        using var _ = no_grad();
        bfloat16 = new[] { query, key, value, attnDense, interDense, outDense }
            .SelectMany(l => new[] { l.weight!.to(ScalarType.BFloat16).DetachFromDisposeScope(), l.bias!.to(ScalarType.BFloat16).DetachFromDisposeScope() })
            .ToArray();
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing) UseBFloat16(false);
        base.Dispose(disposing);
    }

    Tensor Dense(int index, Linear layer, Tensor x) => bfloat16 is { } w && !training
        ? nn.functional.linear(x.to(ScalarType.BFloat16), w[2 * index], w[2 * index + 1]).to(ScalarType.Float32)
        : layer.forward(x);

    public override Tensor forward(Tensor x, Tensor additiveMask)
    {
        using var scope = NewDisposeScope();
        long b = x.shape[0], t = x.shape[1];
        Tensor Split(Tensor y) => y.view(b, t, heads, headSize).transpose(1, 2);   // [B, heads, T, headSize]
        var ctx = nn.functional.scaled_dot_product_attention(Split(Dense(0, query, x)), Split(Dense(1, key, x)), Split(Dense(2, value, x)),
                                                             additiveMask, training ? pAttn : 0.0)
                    .transpose(1, 2).reshape(b, t, heads * headSize);
        x = attnNorm.forward(x + dropout.forward(Dense(3, attnDense, ctx)));
        var ffn = Dense(5, outDense, nn.functional.gelu(Dense(4, interDense, x)));      // exact GELU (erf)
        return scope.MoveToOuter(outNorm.forward(x + dropout.forward(ffn)));
    }
}
