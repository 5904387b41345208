using TorchSharp;
using static TorchSharp.torch;

namespace MLNet.DeepText.Models;

/// <summary>
/// Boolean attention masks, broadcastable to [batch, heads, queries, keys]; <c>true</c> means "may attend".
/// </summary>
internal static class AttentionMasks
{
    /// <summary>From a [batch, keys] padding mask (true = real token) to [batch, 1, 1, keys].</summary>
    public static Tensor KeyPadding(Tensor paddingMask) => paddingMask.unsqueeze(1).unsqueeze(1);

    /// <summary>Query i may attend key j only when j ≤ i: [1, 1, length, length].</summary>
    public static Tensor Causal(long length, Device device) =>
        torch.ones(length, length, dtype: ScalarType.Bool, device: device).tril().unsqueeze(0).unsqueeze(0);

    /// <summary>Both masks must allow a pair; either may be null.</summary>
    public static Tensor? And(Tensor? a, Tensor? b) => a is null ? b : b is null ? a : a.logical_and(b);
}
