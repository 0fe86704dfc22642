using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Gleitzeit.Testing;

/// <summary>
/// A server on 127.0.0.1 that answers every request with a redirect to the same path on another address (as a moved
/// service or a hostile proxy does).
/// </summary>
public sealed class RedirectServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private RedirectServer(WebApplication app) => _app = app;

    /// <summary>The server's base address.</summary>
    public string Endpoint { get; private set; } = string.Empty;

    /// <summary>Requests received.</summary>
    public int Requests { get; private set; }

    /// <summary>Starts a server that redirects with <paramref name="status"/> to <paramref name="target"/> (a base address).</summary>
    public static async Task<RedirectServer> StartAsync(string target, int status = 307)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(o => o.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        var server = new RedirectServer(app);
        app.Run(context =>
        {
            server.Requests++;
            context.Response.StatusCode = status;
            context.Response.Headers.Location = target.TrimEnd('/') + context.Request.Path + context.Request.QueryString;
            return Task.CompletedTask;
        });
        await app.StartAsync();
        var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!;
        server.Endpoint = addresses.Addresses.First().TrimEnd('/');
        return server;
    }

    public async ValueTask DisposeAsync()
    {
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(2));
        await _app.StopAsync(stop.Token);
        await _app.DisposeAsync();
    }
}
