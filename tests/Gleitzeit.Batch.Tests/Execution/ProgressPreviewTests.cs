using Gleitzeit.Batch.Execution;

namespace Gleitzeit.Batch.Tests.Execution;

public sealed class ProgressPreviewTests
{
    [Theory]
    [InlineData("short answer", "short answer")]
    [InlineData("  lines\r\n\tand\u00a0spaces  \n", "lines and spaces")]
    [InlineData("", "")]
    [InlineData("one two three four five six seven eight nine ten eleven twelve thirteen", "one two three four five six seven eight nine ten eleven...")]
    [InlineData("abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyz", "abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyzabcdefg...")]
    public void TheProgressLine_ShowsTheAnswersStartOnOneLine(string answer, string expected) =>
        Assert.Equal(expected, ProgressTracker.Preview(answer));

    [Fact]
    public void ThePreview_IsWhatSplittingTheWholeAnswerIntoWordsGave_ForAnyAnswer()
    {
        // The preview reads only the answer's start now; every progress line must stay what it was.
        var random = new Random(20261207);
        const string alphabet = "ab cd\n\r\t  xyz.,-\u00a0\u2003é";
        for (var i = 0; i < 5000; i++)
        {
            var answer = new string(Enumerable.Range(0, random.Next(0, 200)).Select(_ => alphabet[random.Next(alphabet.Length)]).ToArray());
            foreach (var max in new[] { 3, 10, 60 })
            {
                Assert.Equal(ByWords(answer, max), ProgressTracker.Preview(answer, max));
            }
        }
    }

    private static string ByWords(string text, int maxLength)
    {
        var oneLine = string.Join(' ', text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));
        if (oneLine.Length <= maxLength)
        {
            return oneLine;
        }

        var cut = oneLine.LastIndexOf(' ', maxLength - 1);
        if (cut < maxLength / 3)
        {
            cut = maxLength - 1;
        }

        return oneLine[..cut].TrimEnd() + "...";
    }
}
