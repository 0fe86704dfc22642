namespace Gleitzeit.Testing;

/// <summary>
/// When a batch passes each status, from its times alone: <c>validating</c> until <see cref="ValidatedAt"/>; then
/// <c>failed</c> if it is not <see cref="Valid"/>, else <c>in_progress</c> with one request answered each
/// <see cref="PerRequest"/>, <c>finalizing</c> for <see cref="Finalizing"/> and <c>completed</c>. A batch with requests
/// left at <see cref="ExpiresAt"/> ends <c>expired</c>; one cancelled at <see cref="CancelAt"/> is <c>cancelling</c>
/// for <see cref="Finalizing"/>, then <c>cancelled</c>. A request counts as answered from the moment it is due.
/// </summary>
internal readonly record struct BatchTimeline(
    DateTimeOffset CreatedAt,
    DateTimeOffset ValidatedAt,
    TimeSpan PerRequest,
    TimeSpan Finalizing,
    DateTimeOffset ExpiresAt,
    bool Valid,
    int Requests,
    DateTimeOffset? CancelAt)
{
    /// <summary>When the last request is due.</summary>
    public DateTimeOffset AnsweredAt => ValidatedAt + PerRequest * Requests;

    /// <summary>Whether the completion window ends before the batch does.</summary>
    public bool Expires => ExpiresAt < (Valid ? AnsweredAt : ValidatedAt);

    /// <summary>Whether a cancellation came before the batch ended by itself.</summary>
    public bool Cancelled => CancelAt is { } at && at < NaturalEnd;

    /// <summary>Whether requests were left unanswered at the end (expired or cancelled): they go to the error file.</summary>
    public bool LeavesRequests => Cancelled || Expires;

    /// <summary>When the batch reaches its final status.</summary>
    public DateTimeOffset EndsAt => Cancelled ? CancelAt!.Value + Finalizing : NaturalEnd;

    private DateTimeOffset NaturalEnd => Expires ? ExpiresAt : Valid ? AnsweredAt + Finalizing : ValidatedAt;

    /// <summary>When answering stops: the last answer, the window's end, or the cancellation.</summary>
    private DateTimeOffset StopsAt => Cancelled ? Min(CancelAt!.Value, AnsweredAt) : Expires ? ExpiresAt : AnsweredAt;

    /// <summary>When the request at <paramref name="index"/> (0-based) is answered.</summary>
    public DateTimeOffset AnswerTime(int index) => ValidatedAt + PerRequest * (index + 1);

    /// <summary>How many requests are answered by <paramref name="now"/>.</summary>
    public int AnsweredBy(DateTimeOffset now)
    {
        var until = Min(now, StopsAt);
        if (!Valid || until < ValidatedAt)
        {
            return 0;
        }

        return PerRequest <= TimeSpan.Zero ? Requests : (int)Math.Min(Requests, (until - ValidatedAt).Ticks / PerRequest.Ticks);
    }

    /// <summary>Whether the batch has reached its final status by <paramref name="now"/>.</summary>
    public bool EndedBy(DateTimeOffset now) => now >= EndsAt;

    /// <summary>The status at <paramref name="now"/>: <c>validating</c>, <c>failed</c>, <c>in_progress</c>, <c>finalizing</c>, <c>completed</c>, <c>expired</c>, <c>cancelling</c> or <c>cancelled</c>.</summary>
    public string Status(DateTimeOffset now)
    {
        if (Cancelled && now >= CancelAt!.Value)
        {
            return now >= EndsAt ? "cancelled" : "cancelling";
        }

        if (Expires && now >= ExpiresAt)
        {
            return "expired";
        }

        if (now < ValidatedAt)
        {
            return "validating";
        }

        if (!Valid)
        {
            return "failed";
        }

        return now < AnsweredAt ? "in_progress" : now < EndsAt ? "finalizing" : "completed";
    }

    /// <summary><c>in_progress_at</c> at <paramref name="now"/>.</summary>
    public DateTimeOffset? InProgressAt(DateTimeOffset now) =>
        Valid && now >= ValidatedAt && !(Cancelled && CancelAt!.Value <= ValidatedAt) && !(Expires && ExpiresAt <= ValidatedAt) ? ValidatedAt : null;

    /// <summary><c>finalizing_at</c> at <paramref name="now"/>.</summary>
    public DateTimeOffset? FinalizingAt(DateTimeOffset now) =>
        Valid && !Expires && now >= AnsweredAt && !(Cancelled && CancelAt!.Value <= AnsweredAt) ? AnsweredAt : null;

    /// <summary><c>completed_at</c> at <paramref name="now"/>.</summary>
    public DateTimeOffset? CompletedAt(DateTimeOffset now) => Valid && !LeavesRequests && now >= EndsAt ? EndsAt : null;

    /// <summary><c>failed_at</c> at <paramref name="now"/>.</summary>
    public DateTimeOffset? FailedAt(DateTimeOffset now) => !Valid && !LeavesRequests && now >= ValidatedAt ? ValidatedAt : null;

    /// <summary><c>expired_at</c> at <paramref name="now"/>.</summary>
    public DateTimeOffset? ExpiredAt(DateTimeOffset now) => Expires && !Cancelled && now >= ExpiresAt ? ExpiresAt : null;

    /// <summary><c>cancelling_at</c> at <paramref name="now"/>.</summary>
    public DateTimeOffset? CancellingAt(DateTimeOffset now) => Cancelled && now >= CancelAt!.Value ? CancelAt : null;

    /// <summary><c>cancelled_at</c> at <paramref name="now"/>.</summary>
    public DateTimeOffset? CancelledAt(DateTimeOffset now) => Cancelled && now >= EndsAt ? EndsAt : null;

    private static DateTimeOffset Min(DateTimeOffset a, DateTimeOffset b) => a < b ? a : b;
}
