using System.Text.Json.Nodes;
using Gleitzeit.Batch.Review;

namespace Gleitzeit.Batch.Tests.Review;

/// <summary>The deterministic checks: each passes and fails as set, naming the check and why.</summary>
public sealed class AnswerChecksTests
{
    [Theory]
    [InlineData("one two three", "max_words", null)]
    [InlineData("one two three four", "max_words", "4 words, more than max_words 3")]
    [InlineData("one", "min_words", "1 word, fewer than min_words 2")]
    [InlineData("abcdefghijk", "max_chars", "11 characters, more than max_chars 10")]
    [InlineData("abc", "min_chars", "3 characters, fewer than min_chars 5")]
    [InlineData("Summary: fine", "must_match", null)]
    [InlineData("fine", "must_match", "does not match must_match /^Summary:/")]
    [InlineData("As an AI language model, I think", "must_not_match", "matches must_not_match /(?i)as an ai/ at \"As an AI\"")]
    public void ALengthOrPatternCheck_FailsWithItsNameAndWhy(string answer, string check, string? reason)
    {
        var spec = check switch
        {
            "max_words" => new ReviewSpec { MaxWords = 3 },
            "min_words" => new ReviewSpec { MinWords = 2 },
            "max_chars" => new ReviewSpec { MaxChars = 10 },
            "min_chars" => new ReviewSpec { MinChars = 5 },
            "must_match" => new ReviewSpec { MustMatch = "^Summary:" },
            _ => new ReviewSpec { MustNotMatch = "(?i)as an ai" },
        };

        var failed = AnswerChecks.Run(spec, answer, null);

        if (reason is null)
        {
            Assert.Empty(failed);
        }
        else
        {
            Assert.Equal(new CheckFailure(check, reason), Assert.Single(failed));
        }
    }

    [Fact]
    public void Characters_AreWhatAReaderCounts_AnEmojiOrAnAccentedLetterIsOne()
    {
        Assert.Empty(AnswerChecks.Run(new ReviewSpec { MaxChars = 3 }, "e\u0301👍🏽a", null));
        Assert.Single(AnswerChecks.Run(new ReviewSpec { MaxChars = 2 }, "e\u0301👍🏽a", null));
    }

    [Fact]
    public void RequireJson_RefusesProseAndAFencedObject_AndSaysWhy()
    {
        var spec = new ReviewSpec { RequireJson = true };

        Assert.Empty(AnswerChecks.Run(spec, "{\"title\": \"x\"}", "json"));
        var fenced = Assert.Single(AnswerChecks.Run(spec, "```json\n{\"title\": \"x\"}\n```", "json"));
        Assert.Equal("require_json", fenced.Check);
        Assert.Contains("code fence", fenced.Reason, StringComparison.Ordinal);
        Assert.StartsWith("not valid JSON", Assert.Single(AnswerChecks.Run(spec, "Sure! Here it is.", null)).Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void RequireJson_WithASchemaFormat_ChecksTheAnswerAgainstIt_NamingWhereItFails()
    {
        var schema = JsonNode.Parse("""{"type":"object","properties":{"title":{"type":"string"},"tags":{"type":"array","items":{"type":"string"}}},"required":["title","tags"]}""");
        var spec = new ReviewSpec { RequireJson = true };

        Assert.Empty(AnswerChecks.Run(spec, """{"title":"a","tags":["b"]}""", schema));
        var failure = Assert.Single(AnswerChecks.Run(spec, """{"title":3}""", schema));
        Assert.StartsWith("not valid against the batch's JSON schema", failure.Reason, StringComparison.Ordinal);
        Assert.Contains("tags", failure.Reason, StringComparison.Ordinal);
        Assert.Contains("/title", failure.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void ASchemaThatCannotCheckAnything_FailsTheCheck_SayingToFixTheSchema_InsteadOfCrashingTheRun()
    {
        var failure = Assert.Single(AnswerChecks.Run(new ReviewSpec { RequireJson = true }, "{}", JsonNode.Parse("""{"type": "strange"}""")));

        Assert.Contains("the batch's JSON schema cannot check answers", failure.Reason, StringComparison.Ordinal);
        Assert.Contains("fix the schema (the item's Format, or the workflow task's format)", failure.Reason, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{"type": "objectx"}""", "objectx")]
    [InlineData("""{"$ref": "#/$defs/nope"}""", "#/$defs/nope")]
    [InlineData("""{"$ref": "http://127.0.0.1:9/schema.json"}""", "127.0.0.1:9")]
    public void ABrokenSchema_IsFoundBeforeAnythingIsSent_WithAMessageThatNeverVaries(string schema, string named)
    {
        var first = AnswerChecks.SchemaProblem(JsonNode.Parse(schema));
        var second = AnswerChecks.SchemaProblem(JsonNode.Parse(schema));

        Assert.NotNull(first);
        Assert.Contains(named, first, StringComparison.Ordinal);
        Assert.Equal(first, second);
        Assert.DoesNotContain("json-everything", first, StringComparison.Ordinal);
        Assert.Null(AnswerChecks.SchemaProblem(JsonNode.Parse("""{"type": "object", "properties": {"a": {"$ref": "#/$defs/s"}}, "$defs": {"s": {"type": "string"}}}""")));
    }

    [Fact]
    public void APathologicalPattern_IsBounded_AndFailsTheCheckInsteadOfHangingTheRun()
    {
        var answer = new string('a', 40) + "!";

        var failure = Assert.Single(AnswerChecks.Run(new ReviewSpec { MustMatch = "^(a+)+$" }, answer, null));

        Assert.Contains("took longer than 2 s", failure.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void SeveralChecks_AllFailuresAreListed_InTheSettingsTablesOrder()
    {
        var spec = new ReviewSpec { MaxWords = 1, MinChars = 100, MustMatch = "^#" };

        var failed = AnswerChecks.Run(spec, "two words", null);

        Assert.Equal(["max_words", "min_chars", "must_match"], failed.Select(f => f.Check));
    }
}
