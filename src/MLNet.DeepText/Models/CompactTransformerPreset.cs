namespace MLNet.DeepText.Models;

/// <summary>How a compact transformer turns word vectors into tokens for the encoder.</summary>
internal enum CompactTokenizerKind
{
    /// <summary>CCT: Conv1d with kernel k (stride max(1, k/2−1), padding max(1, k/2), no bias) → ReLU → max-pool 2/2/1, which halves the sequence.</summary>
    Convolution,
    /// <summary>CVT / ViT-Lite: non-overlapping patches of k word vectors, each projected linearly (Conv1d with kernel = stride = k).</summary>
    Patch,
}

/// <summary>The paper's settings behind each <see cref="CompactTransformerPreset"/>.</summary>
internal static class CompactTransformerPresets
{
    /// <summary>Blocks, heads, width and MLP ratio of a preset's size (2, 4 or 6), its tokenizer, and whether it reads a class token (ViT-Lite) or pools (sequence pooling).</summary>
    public static (int Layers, int Heads, int Width, double MlpRatio, CompactTokenizerKind Tokenizer, bool ClassToken) Settings(CompactTransformerPreset preset)
    {
        var (tokenizer, readout) = preset switch
        {
            CompactTransformerPreset.Cct2 or CompactTransformerPreset.Cct4 or CompactTransformerPreset.Cct6 => (CompactTokenizerKind.Convolution, false),
            CompactTransformerPreset.Cvt2 or CompactTransformerPreset.Cvt4 or CompactTransformerPreset.Cvt6 => (CompactTokenizerKind.Patch, false),
            CompactTransformerPreset.VitLite2 or CompactTransformerPreset.VitLite4 or CompactTransformerPreset.VitLite6 => (CompactTokenizerKind.Patch, true),
            _ => throw new ArgumentOutOfRangeException(nameof(preset), preset, "Unknown compact transformer preset."),
        };
        return preset switch
        {
            CompactTransformerPreset.Cct2 or CompactTransformerPreset.Cvt2 or CompactTransformerPreset.VitLite2 => (2, 2, 128, 1.0, tokenizer, readout),
            CompactTransformerPreset.Cct4 or CompactTransformerPreset.Cvt4 or CompactTransformerPreset.VitLite4 => (4, 2, 128, 1.0, tokenizer, readout),
            _ => (6, 4, 256, 2.0, tokenizer, readout),
        };
    }
}
