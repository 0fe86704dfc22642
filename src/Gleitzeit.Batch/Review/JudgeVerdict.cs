using System.Globalization;
using System.Text.Json.Nodes;

namespace Gleitzeit.Batch.Review;

/// <summary>A judge's verdict on one answer.</summary>
/// <param name="Score">From 0 to 1.</param>
/// <param name="Pass">The judge's own pass or fail.</param>
/// <param name="Reason">Why, in the judge's words.</param>
public sealed record JudgeVerdict(double Score, bool Pass, string Reason)
{
    /// <summary>The verdict as it is cached: the JSON the judge was asked for.</summary>
    public string ToJson() => new JsonObject { ["score"] = Score, ["pass"] = Pass, ["reason"] = Reason }.ToJsonString();

    /// <summary>
    /// What the artifact records beside a verdict: a hash of its key and the verdict, so that a verdict edited by hand
    /// (a score raised in a pull request) is not served; the judge is asked again, and a Locked build fails.
    /// </summary>
    public string Seal(string judgeKey) =>
        Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(judgeKey + "\0" + ToJson())))[..32];

    /// <summary>Whether the answer passes: a score of at least <paramref name="minScore"/> when one is set, else the judge's pass.</summary>
    public bool Passes(double? minScore) => minScore is { } min ? Score >= min : Pass;

    /// <summary>The failure's reason, as a reviewer reads it.</summary>
    public string Failure(double? minScore) => minScore is { } min
        ? string.Create(CultureInfo.InvariantCulture, $"the judge scored {Score:0.##}, under min_score {min:0.##}: {Reason}")
        : string.Create(CultureInfo.InvariantCulture, $"the judge failed it (score {Score:0.##}): {Reason}");
}
