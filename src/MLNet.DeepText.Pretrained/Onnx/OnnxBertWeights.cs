using System.Runtime.InteropServices;
using Google.Protobuf;
using MLNet.DeepText.Pretrained.Models;

namespace MLNet.DeepText.Pretrained.Onnx;

/// <summary>
/// Reads the weights of a BERT-family encoder (BertModel exported by torch.onnx, e.g. all-MiniLM-L6-v2,
/// snowflake-arctic-embed-xs) from an ONNX file, keyed by HuggingFace BertModel parameter names, Linear
/// weights in PyTorch's [out, in] layout. No TorchSharp or ML.NET types: plain arrays.
/// </summary>
/// <remarks>
/// How the export looks (checked on both models): embeddings, biases and LayerNorm parameters are named
/// initializers; each Linear is MatMul(x, W) with W an anonymous initializer stored [in, out], followed by an
/// Add whose other input is the named bias. So a Linear weight is named after the bias its MatMul feeds
/// ("….query.bias" ⇒ "….query.weight"): no reliance on node order or node names. Gemm nodes (e.g. the pooler)
/// are handled too. Supported: float32 tensors in raw_data or float_data. Not supported (clear exception):
/// external data, fp16/quantized weights, graphs whose Linear layers were fused away (e.g. the ONNX Runtime transformers
/// optimizer's Attention op with packed QKV). Files saved by ONNX Runtime at ORT_ENABLE_BASIC/ALL on CPU still fit (checked).
/// </remarks>
internal static class OnnxBertWeights
{
    public static Dictionary<string, (long[] Shape, float[] Data)> Read(Stream onnx, out BertConfig config)
    {
        ModelProto model;
        try { model = ModelProto.Parser.ParseFrom(onnx); }
        catch (InvalidProtocolBufferException e) { throw new InvalidDataException("Not an ONNX model (protobuf parse failed): " + e.Message, e); }
        var g = model.Graph ?? throw new InvalidDataException("ONNX model has no graph.");

        var inits = new Dictionary<string, TensorProto>();
        foreach (var t in g.Initializer) inits[t.Name] = t;
        // Value name -> the node that produces it / the nodes that read it.
        var producer = new Dictionary<string, NodeProto>();
        foreach (var n in g.Node) foreach (var o in n.Output) producer[o] = n;
        var consumers = g.Node.SelectMany(n => n.Input.Select(i => (i, n))).ToLookup(x => x.i, x => x.n);

        var result = new Dictionary<string, (long[] Shape, float[] Data)>();

        // 1. Named initializers: embeddings, biases, LayerNorms (any prefix such as "bert." is dropped).
        foreach (var t in g.Initializer)
            if (HfName(t.Name) is { } hf && t.DataType is not ((int)TensorProto.Types.DataType.Int64 or (int)TensorProto.Types.DataType.Int32))  // skip index buffers (position_ids, token_type_ids)
                result[hf] = (t.Dims.ToArray(), ToFloats(t));

        // 2. Anonymous Linear weights: MatMul(x, W) -> Add(bias, ·), or Gemm(x, W, bias).
        foreach (var n in g.Node)
        {
            if (n.OpType == "MatMul" && n.Input.Count == 2 && inits.TryGetValue(n.Input[1], out var w) && w.Dims.Count == 2)
            {
                // Add(bias, ·) as exported; BiasGelu(·, bias) after ONNX Runtime's own graph optimisation
                var add = consumers[n.Output[0]].FirstOrDefault(c => c.OpType is "Add" or "BiasGelu");
                var bias = add?.Input.FirstOrDefault(i => i != n.Output[0] && inits.ContainsKey(i));
                if (bias != null && HfName(bias) is { } hfBias && hfBias.EndsWith(".bias", StringComparison.Ordinal))
                    result[hfBias[..^4] + "weight"] = Transpose(w);   // [in, out] -> [out, in]
            }
            else if (n.OpType == "Gemm" && n.Input.Count == 3 && inits.TryGetValue(n.Input[1], out var gw)
                     && HfName(n.Input[2]) is { } gBias && gBias.EndsWith(".bias", StringComparison.Ordinal))
            {
                bool transB = n.Attribute.Any(a => a.Name == "transB" && a.I == 1);
                result[gBias[..^4] + "weight"] = transB ? (gw.Dims.ToArray(), ToFloats(gw)) : Transpose(gw);
            }
        }

        config = InferConfig(result, g, inits, producer);
        Validate(result, config);
        return result;
    }

    /// <summary>Names every BertModel parameter that must be present (pooler excluded), in PyTorch order.</summary>
    public static IEnumerable<string> RequiredNames(int numLayers)
    {
        foreach (var s in new[] { "word_embeddings.weight", "position_embeddings.weight", "token_type_embeddings.weight", "LayerNorm.weight", "LayerNorm.bias" })
            yield return "embeddings." + s;
        for (int i = 0; i < numLayers; i++)
            foreach (var s in new[] { "attention.self.query", "attention.self.key", "attention.self.value", "attention.output.dense",
                                      "attention.output.LayerNorm", "intermediate.dense", "output.dense", "output.LayerNorm" })
            {
                yield return $"encoder.layer.{i}.{s}.weight";
                yield return $"encoder.layer.{i}.{s}.bias";
            }
    }

    // "bert.encoder.layer.0.x" / "0.auto_model.embeddings.x" -> "encoder.layer.0.x" / "embeddings.x"; null if not a BertModel name.
    static string? HfName(string onnxName)
    {
        foreach (var root in new[] { "embeddings.", "encoder.layer.", "pooler." })
        {
            if (onnxName.StartsWith(root, StringComparison.Ordinal)) return onnxName;
            int at = onnxName.IndexOf("." + root, StringComparison.Ordinal);
            if (at >= 0) return onnxName[(at + 1)..];
        }
        return null;
    }

    static float[] ToFloats(TensorProto t)
    {
        if (t.DataLocation == TensorProto.Types.DataLocation.External || t.ExternalData.Count > 0)
            throw new NotSupportedException($"ONNX tensor '{t.Name}' keeps its data in an external file; save the model with its weights inside the .onnx file.");
        if (t.DataType != (int)TensorProto.Types.DataType.Float)
            throw new NotSupportedException($"ONNX tensor '{t.Name}' is {(TensorProto.Types.DataType)t.DataType}; only float32 models are supported (not fp16 or quantized exports).");
        long count = t.Dims.Aggregate(1L, (a, d) => a * d);
        float[] data = t.RawData.Length > 0
            ? MemoryMarshal.Cast<byte, float>(t.RawData.Span).ToArray()  // raw_data is little-endian, as is every .NET target we run on
            : t.FloatData.ToArray();
        if (data.Length != count)
            throw new InvalidDataException($"ONNX tensor '{t.Name}' has {data.Length} values, its dims [{string.Join(",", t.Dims)}] say {count}.");
        return data;
    }

    static (long[] Shape, float[] Data) Transpose(TensorProto t)
    {
        float[] src = ToFloats(t), dst = new float[src.Length];
        int rows = (int)t.Dims[0], cols = (int)t.Dims[1];
        for (int r = 0; r < rows; r++)
            for (int c = 0; c < cols; c++)
                dst[c * rows + r] = src[r * cols + c];
        return (new long[] { cols, rows }, dst);
    }

    static BertConfig InferConfig(Dictionary<string, (long[] Shape, float[] Data)> w, GraphProto g,
                                  Dictionary<string, TensorProto> inits, Dictionary<string, NodeProto> producer)
    {
        (long[] Shape, float[] Data) Need(string name) => w.TryGetValue(name, out var v) ? v
            : throw new InvalidDataException($"The ONNX graph has no BERT parameter '{name}' (found {w.Count} BERT tensors: {string.Join(", ", w.Keys.Take(8))}…). Is this a BertModel export?");
        var word = Need("embeddings.word_embeddings.weight");
        int layers = w.Keys.Where(k => k.StartsWith("encoder.layer.", StringComparison.Ordinal))
                           .Select(k => int.Parse(k.Split('.')[2])).DefaultIfEmpty(-1).Max() + 1;
        int hidden = (int)word.Shape[1];
        return new BertConfig(
            VocabSize: (int)word.Shape[0],
            HiddenSize: hidden,
            NumLayers: layers,
            NumHeads: FindHeads(g, inits, producer, hidden),
            IntermediateSize: (int)Need("encoder.layer.0.intermediate.dense.bias").Shape[0],
            MaxPositions: (int)Need("embeddings.position_embeddings.weight").Shape[0],
            TypeVocabSize: (int)Need("embeddings.token_type_embeddings.weight").Shape[0],
            LayerNormEps: FindLayerNormEps(g, inits, producer) ?? 1e-12,
            // exact GELU appears as Erf (torch export), Gelu (opset 20) or BiasGelu (ONNX Runtime fusion); anything else is not supported
            HiddenAct: g.Node.Any(n => n.OpType is "Erf" or "Gelu" or "BiasGelu") ? "gelu" : "unknown");
    }

    /// <summary>
    /// Heads are not in the weights. The export reshapes the query projection to [batch, seq, heads, headDim]:
    /// Reshape(Add(query.bias, MatMul), Concat(…, heads, headDim)) or Reshape(…, const[0,0,heads,headDim]).
    /// Returns null if that pattern is not found (the caller must then be told the head count).
    /// </summary>
    static int? FindHeads(GraphProto g, Dictionary<string, TensorProto> inits, Dictionary<string, NodeProto> producer, int hidden)
    {
        var addQ = g.Node.FirstOrDefault(n => n.OpType == "Add" && n.Input.Any(i => HfName(i) == "encoder.layer.0.attention.self.query.bias"));
        var reshape = addQ == null ? null : g.Node.FirstOrDefault(n => n.OpType == "Reshape" && n.Input[0] == addQ.Output[0]);
        if (reshape == null || reshape.Input.Count < 2) return null;
        long[]? shape = ConstInts(reshape.Input[1], inits, producer);
        if (shape == null && producer.TryGetValue(reshape.Input[1], out var concat) && concat.OpType == "Concat")
        {   // dynamic batch/seq dims, constant heads and headDim as the last two Concat inputs
            var parts = concat.Input.Select(i => ConstInts(i, inits, producer)).ToArray();
            if (parts.Length >= 2 && parts[^2] is { Length: 1 } h && parts[^1] is { Length: 1 } d) shape = [h[0], d[0]];
        }
        if (shape is not { Length: >= 2 }) return null;
        long heads = shape[^2], headDim = shape[^1];
        return heads > 0 && heads * headDim == hidden ? (int)heads : null;
    }

    /// <summary>Decomposed LayerNorm: Sqrt(Add(ReduceMean(Pow(x - mean, 2)), eps)). Reads eps from the first one.</summary>
    static double? FindLayerNormEps(GraphProto g, Dictionary<string, TensorProto> inits, Dictionary<string, NodeProto> producer)
    {
        var sqrt = g.Node.FirstOrDefault(n => n.OpType == "Sqrt");
        if (sqrt != null && producer.TryGetValue(sqrt.Input[0], out var add) && add.OpType == "Add")
            foreach (var i in add.Input)
                if (ConstTensor(i, inits, producer) is { DataType: (int)TensorProto.Types.DataType.Float } t)
                    return ToFloats(t) is [var eps] ? (double)(decimal)eps : null;   // (decimal) turns 1e-12f into 1E-12, not 9.99999996E-13
        var ln = g.Node.FirstOrDefault(n => n.OpType == "LayerNormalization");  // fused op (opset ≥ 17)
        return ln?.Attribute.FirstOrDefault(a => a.Name == "epsilon") is { } e ? (double)(decimal)e.F : null;
    }

    static TensorProto? ConstTensor(string name, Dictionary<string, TensorProto> inits, Dictionary<string, NodeProto> producer) =>
        inits.TryGetValue(name, out var t) ? t
        : producer.TryGetValue(name, out var n) && n.OpType == "Constant" ? n.Attribute.FirstOrDefault(a => a.Name == "value")?.T
        : null;

    static long[]? ConstInts(string name, Dictionary<string, TensorProto> inits, Dictionary<string, NodeProto> producer)
    {
        var t = ConstTensor(name, inits, producer);
        if (t == null || t.DataType != (int)TensorProto.Types.DataType.Int64) return null;
        return t.RawData.Length > 0 ? MemoryMarshal.Cast<byte, long>(t.RawData.Span).ToArray() : t.Int64Data.ToArray();
    }

    /// <summary>Every required parameter present with the shape the config implies; otherwise one exception listing all problems.</summary>
    static void Validate(Dictionary<string, (long[] Shape, float[] Data)> w, BertConfig c)
    {
        long H = c.HiddenSize, I = c.IntermediateSize;
        long[] Expected(string n) => n switch
        {
            "embeddings.word_embeddings.weight" => [c.VocabSize, H],
            "embeddings.position_embeddings.weight" => [c.MaxPositions, H],
            "embeddings.token_type_embeddings.weight" => [c.TypeVocabSize, H],
            _ when n.EndsWith("intermediate.dense.weight") => [I, H],
            _ when n.EndsWith("intermediate.dense.bias") => [I],
            _ when n.EndsWith("output.dense.weight") && !n.Contains("attention") => [H, I],
            _ when n.EndsWith(".weight") && !n.Contains("LayerNorm") => [H, H],
            _ => [H],
        };
        var problems = new List<string>();
        if (c.NumLayers < 1) problems.Add("no encoder.layer.* tensors");
        foreach (var n in RequiredNames(c.NumLayers))
        {
            if (!w.TryGetValue(n, out var v)) problems.Add($"missing {n}");
            else if (!v.Shape.SequenceEqual(Expected(n))) problems.Add($"{n} is [{string.Join(",", v.Shape)}], expected [{string.Join(",", Expected(n))}]");
        }
        if (problems.Count > 0)
            throw new InvalidDataException($"The ONNX file does not fit a BERT encoder ({c.NumLayers} layers, hidden {H}, intermediate {I}): "
                + string.Join("; ", problems.Take(12)) + (problems.Count > 12 ? $"; … {problems.Count - 12} more" : ""));
    }
}
