using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;

namespace Gleitzeit.Testing;

/// <summary>Every request: read, check the key, log (never the key), route to <c>…/models</c>, <c>…/models/{id}</c>, <c>…/chat/completions</c>, <c>…/files…</c> or <c>…/batches…</c>.</summary>
public sealed partial class OpenAiTestServer
{
    private async Task Handle(HttpContext context)
    {
        var arrived = DateTime.UtcNow;
        var request = context.Request;
        var path = request.Path.Value ?? "/";
        var (route, prefix, id) = Route(path);
        JsonObject? body = null;
        var unreadable = false;

        // An upload is multipart/form-data, read by its own handler.
        if (HttpMethods.IsPost(request.Method) && route != RouteKind.Files)
        {
            try
            {
                body = await ReadBody(context);
            }
            catch (JsonException)
            {
                unreadable = true;
            }
            catch (Exception e) when (e is IOException or OperationCanceledException)
            {
                return;
            }
        }

        var auth = CheckAuth(request.Headers);
        var logged = Log(path, body, arrived, auth, request.Headers.Keys);
        var wanted = RoutePrefix?.TrimEnd('/');
        if (route == RouteKind.None || (wanted is not null && prefix != wanted) || !Allows(route, request.Method))
        {
            await Refuse(context, logged, 404, OpenAiWire.Error($"Invalid URL ({request.Method} {path})", "invalid_request_error", null));
            return;
        }

        if (route is RouteKind.Models or RouteKind.Model && !ListsModels)
        {
            await Refuse(context, logged, 404, OpenAiWire.Error($"Resource not found ({request.Method} {path})", "404", null));
            return;
        }

        if (auth.Status != 200)
        {
            await Refuse(context, logged, auth.Status, auth.Error!);
            return;
        }

        switch (route)
        {
            case RouteKind.Models:
                var data = new JsonArray([.. _models.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => ModelJson(p.Key, p.Value))]);
                await Ok(context, logged, new JsonObject { ["object"] = "list", ["data"] = data });
                return;
            case RouteKind.Model when _models.TryGetValue(id!, out var owner):
                await Ok(context, logged, ModelJson(id!, owner));
                return;
            case RouteKind.Model:
                await Refuse(context, logged, 404, ModelNotFound(id!));
                return;
            case RouteKind.Chat when unreadable || body is null:
                await Refuse(context, logged, 400, Unparseable());
                return;
            case RouteKind.Chat:
                await Chat(context, logged, body!);
                return;
            default:
                await FilesAndBatches(context, logged, route, id, body, unreadable);
                return;
        }
    }

    /// <summary>The methods a route answers; others get 404 as an unknown URL. Models answer anything but POST, as before files and batches came.</summary>
    private static bool Allows(RouteKind route, string method) => route switch
    {
        RouteKind.Chat or RouteKind.BatchCancel => HttpMethods.IsPost(method),
        RouteKind.Files => HttpMethods.IsPost(method) || HttpMethods.IsGet(method),
        RouteKind.File => HttpMethods.IsGet(method) || HttpMethods.IsDelete(method),
        RouteKind.FileContent or RouteKind.Batch => HttpMethods.IsGet(method),
        RouteKind.Batches => HttpMethods.IsGet(method) || HttpMethods.IsPost(method),
        _ => !HttpMethods.IsPost(method),
    };

    private static (RouteKind Route, string Prefix, string? Id) Route(string path)
    {
        if (path.EndsWith(ChatSuffix, StringComparison.Ordinal))
        {
            return (RouteKind.Chat, path[..^ChatSuffix.Length], null);
        }

        if (path.EndsWith(ModelsSuffix, StringComparison.Ordinal))
        {
            return (RouteKind.Models, path[..^ModelsSuffix.Length], null);
        }

        // A model id may hold '/' (openai/gpt-4o-mini), which the OpenAI library sends as %2F and Kestrel leaves escaped.
        var at = path.IndexOf(ModelInfix, StringComparison.Ordinal);
        return at >= 0 && at + ModelInfix.Length < path.Length
            ? (RouteKind.Model, path[..at], Uri.UnescapeDataString(path[(at + ModelInfix.Length)..]))
            : BatchRoute(path);
    }

    /// <summary><c>…/files</c>, <c>…/files/{id}</c>, <c>…/files/{id}/content</c>, <c>…/batches</c>, <c>…/batches/{id}</c>, <c>…/batches/{id}/cancel</c>.</summary>
    private static (RouteKind Route, string Prefix, string? Id) BatchRoute(string path) =>
        Collection(path, "/files", RouteKind.Files, RouteKind.File, "/content", RouteKind.FileContent)
        ?? Collection(path, "/batches", RouteKind.Batches, RouteKind.Batch, "/cancel", RouteKind.BatchCancel)
        ?? (RouteKind.None, path, null);

    /// <summary>A collection (<paramref name="name"/>), one item of it (<c>{name}/{id}</c>) or an action on one (<c>{name}/{id}{action}</c>); null for other paths.</summary>
    private static (RouteKind Route, string Prefix, string? Id)? Collection(string path, string name, RouteKind all, RouteKind one, string action, RouteKind onOne)
    {
        if (path.EndsWith(name, StringComparison.Ordinal))
        {
            return (all, path[..^name.Length], null);
        }

        var at = path.LastIndexOf(name + "/", StringComparison.Ordinal);
        if (at < 0)
        {
            return null;
        }

        var rest = path[(at + name.Length + 1)..];
        var (route, id) = rest.EndsWith(action, StringComparison.Ordinal) ? (onOne, rest[..^action.Length]) : (one, rest);
        return id.Length > 0 && !id.Contains('/', StringComparison.Ordinal) ? (route, path[..at], Uri.UnescapeDataString(id)) : null;
    }

    private AuthCheck CheckAuth(IHeaderDictionary headers)
    {
        var authorization = headers.Authorization.ToString();
        var apiKey = headers["api-key"].ToString();
        string? header = (authorization.Length > 0, apiKey.Length > 0) switch
        {
            (true, true) => "Authorization, api-key",
            (true, false) => "Authorization",
            (false, true) => "api-key",
            _ => null,
        };
        var key = AuthStyle == OpenAiAuthStyle.ApiKeyHeader
            ? (apiKey.Length > 0 ? apiKey : null)
            : (authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) ? authorization[7..].Trim() : null);
        if (ForbiddenKey is not null && key == ForbiddenKey)
        {
            return new AuthCheck(header, 403, OpenAiWire.Error("The 'models' permission is required to access this endpoint.", "permission_error", "forbidden"));
        }

        if (RequiredKey is null || key == RequiredKey)
        {
            return new AuthCheck(header, 200, null);
        }

        // Never echo the key: tests scan everything the server and the client wrote for secrets.
        var message = key is null
            ? (AuthStyle == OpenAiAuthStyle.ApiKeyHeader ? "Access denied due to missing api-key header." : "You didn't provide an API key. Provide it in an Authorization header using Bearer auth.")
            : "Incorrect API key provided.";
        return new AuthCheck(header, 401, OpenAiWire.Error(message, "invalid_request_error", "invalid_api_key"));
    }

    private LoggedRequest Log(string path, JsonObject? body, DateTime arrived, AuthCheck auth, IEnumerable<string> headerNames)
    {
        var messages = new List<LoggedMessage>();
        if (body?["messages"] is JsonArray array)
        {
            foreach (var node in array.OfType<JsonObject>())
            {
                messages.Add(Message(node));
            }
        }

        JsonObject? options = null;
        if (body is not null)
        {
            options = [];
            foreach (var (name, value) in body)
            {
                if (name is not ("model" or "messages" or "response_format"))
                {
                    options[name] = value?.DeepClone();
                }
            }
        }

        var model = body?["model"] is JsonValue m && m.TryGetValue<string>(out var id) ? id : null;
        var logged = new LoggedRequest(path, model, messages, options, body?["response_format"]?.DeepClone(), body)
        {
            ReceivedAt = arrived,
            AuthPresented = auth.Header is not null,
            AuthHeader = auth.Header,
            AuthValid = auth.Status == 200,
            HeaderNames = [.. headerNames.Order(StringComparer.OrdinalIgnoreCase)],
        };
        _log.Enqueue(logged);
        return logged;
    }

    /// <summary>One message: <c>content</c> as a string or as parts (text parts joined by newlines; images kept as their URLs, as sent).</summary>
    private static LoggedMessage Message(JsonObject node)
    {
        var role = node["role"] is JsonValue r && r.TryGetValue<string>(out var roleText) ? roleText : string.Empty;
        switch (node["content"])
        {
            case JsonValue value when value.TryGetValue<string>(out var text):
                return new LoggedMessage(role, text, []);
            case JsonArray parts:
                var texts = new List<string>();
                var images = new List<string>();
                foreach (var part in parts.OfType<JsonObject>())
                {
                    if (part["text"] is JsonValue t && t.TryGetValue<string>(out var partText))
                    {
                        texts.Add(partText);
                    }
                    else if (part["image_url"]?["url"] is JsonValue u && u.TryGetValue<string>(out var url))
                    {
                        images.Add(url);
                    }
                }

                return new LoggedMessage(role, string.Join('\n', texts), images);
            default:
                return new LoggedMessage(role, string.Empty, []);
        }
    }

    private static JsonObject ModelJson(string id, string owner) =>
        new() { ["id"] = id, ["object"] = "model", ["created"] = 1_730_000_000L, ["owned_by"] = owner };

    private static JsonObject Unparseable() => OpenAiWire.Error("We could not parse the JSON body of your request.", "invalid_request_error", null);

    private static JsonObject ModelNotFound(string model) => OpenAiWire.Error(
        $"The model `{model}` does not exist or you do not have access to it.", "invalid_request_error", "model_not_found", "model");

    private static async Task<JsonObject?> ReadBody(HttpContext context)
    {
        using var reader = new StreamReader(context.Request.Body, Encoding.UTF8);
        var text = await reader.ReadToEndAsync(context.RequestAborted);
        return string.IsNullOrWhiteSpace(text) ? null : JsonNode.Parse(text) as JsonObject;
    }

    private static Task Ok(HttpContext context, LoggedRequest logged, JsonObject body)
    {
        logged.StatusCode = 200;
        return OpenAiWire.WriteJson(context, 200, body);
    }

    private static Task Refuse(HttpContext context, LoggedRequest logged, int status, JsonObject error)
    {
        logged.StatusCode = status;
        return OpenAiWire.WriteJson(context, status, error);
    }

    private enum RouteKind
    {
        None,
        Models,
        Model,
        Chat,
        Files,
        File,
        FileContent,
        Batches,
        Batch,
        BatchCancel,
    }

    private readonly record struct AuthCheck(string? Header, int Status, JsonObject? Error);
}
