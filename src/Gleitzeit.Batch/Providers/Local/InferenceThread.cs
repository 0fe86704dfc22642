using System.Collections.Concurrent;

namespace Gleitzeit.Batch.Providers.Local;

/// <summary>
/// The one thread that loads the model and runs every generation. llama.cpp's CPU backend computes on an OpenMP team
/// that belongs to the calling thread: the same caller keeps one team warm, where a new thread per generation would
/// start a new team each time while the last one still spins.
/// </summary>
internal sealed class InferenceThread : IDisposable
{
    private readonly BlockingCollection<Action> _work = new();
    private readonly Thread _thread;

    public InferenceThread()
    {
        _thread = new Thread(Run) { IsBackground = true, Name = "gleitzeit-llama" };
        _thread.Start();
    }

    /// <summary>Runs <paramref name="work"/> on the thread, after what was queued before it.</summary>
    public Task<T> RunAsync<T>(Func<T> work)
    {
        var done = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        _work.Add(() =>
        {
            try
            {
                done.SetResult(work());
            }
            catch (Exception ex)
            {
                done.SetException(ex);
            }
        });
        return done.Task;
    }

    public void Dispose()
    {
        _work.CompleteAdding();
        if (Thread.CurrentThread != _thread)
        {
            _thread.Join();
        }

        _work.Dispose();
    }

    private void Run()
    {
        foreach (var work in _work.GetConsumingEnumerable())
        {
            work();
        }
    }
}
