using System.Text.Json.Nodes;

namespace Gleitzeit.Cli.Tests.Commands;

public sealed class WorkflowCommandTests : IAsyncLifetime
{
    private CliHarness _h = null!;

    public async Task InitializeAsync()
    {
        _h = await CliHarness.StartAsync();
        _h.ThreeDocs();
    }

    public async Task DisposeAsync() => await _h.DisposeAsync();

    private string Workflow(string yaml) => _h.Write("workflow.yaml", yaml, _h.Root);

    [Fact]
    public async Task GeneratedWorkflow_RunsTheSameBatch()
    {
        var generated = await _h.RunAsync("generate", "batch", "docs", "--pattern", "*.txt", "--prompt", "Summarize", "--output", "workflow.yaml");
        Assert.Equal(0, generated.ExitCode);
        var yaml = File.ReadAllText(Path.Combine(_h.Root, "workflow.yaml"));
        Assert.Contains("protocol: llm/v1", yaml, StringComparison.Ordinal);
        Assert.Contains("method: llm/chat", yaml, StringComparison.Ordinal);
        Assert.Contains("directory: docs", yaml, StringComparison.Ordinal);
        Assert.Contains("file_pattern: '*.txt'", yaml, StringComparison.Ordinal);

        var result = await _h.RunAsync("run", "workflow.yaml");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal(3, _h.Server.ChatRequests.Count);
        Assert.All(_h.Server.ChatRequests, c => Assert.StartsWith("Summarize\n\nFile content from ", c.UserContent, StringComparison.Ordinal));
        var list = await _h.RunAsync("batch-list");
        Assert.Contains(" workflow ", list.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GenerateWithFiles_ListsThemRelativeToTheYaml()
    {
        var result = await _h.RunAsync("generate", "batch", "--files", "docs/meeting_notes.txt", "docs/sample_story.txt", "--vision");

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("method: llm/vision", result.Out, StringComparison.Ordinal);
        Assert.Contains("- docs/meeting_notes.txt", result.Out, StringComparison.Ordinal);
        Assert.Contains("model: llava:latest", result.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TasksRunInDependencyOrder_WithResponsesSubstituted_AndOnlyModelOptionsSent()
    {
        Workflow("""
            name: "Article"
            tasks:
              - id: "get_topic"
                method: "llm/chat"
                parameters:
                  model: "llama3.2"
                  temperature: 0.3
                  max_tokens: 40
                  timeout: 10
                  messages:
                    - role: "user"
                      content: "Suggest a topic"
              - id: "write_article"
                method: "llm/chat"
                dependencies: ["get_topic"]
                parameters:
                  seed: 7
                  messages:
                    - role: "system"
                      content: "You write articles."
                    - role: "user"
                      content: "Write about: ${get_topic.response}"
              - name: "summaries"
                protocol: "llm/v1"
                method: "llm/chat"
                params:
                  directory: "docs"
                  file_pattern: "*.txt"
                  messages:
                    - role: "user"
                      content: "Summarize"
            """);

        var result = await _h.RunAsync("run", "workflow.yaml");

        Assert.True(result.ExitCode == 0, result.ToString());
        var chats = _h.Server.ChatRequests;
        Assert.Equal(5, chats.Count);
        var topic = chats.Single(c => c.UserContent == "Suggest a topic");
        var article = chats.Single(c => c.UserContent.StartsWith("Write about: ", StringComparison.Ordinal));
        Assert.True(chats.ToList().IndexOf(topic) < chats.ToList().IndexOf(article));
        Assert.Equal("Write about: " + Gleitzeit.Testing.OllamaTestServer.ReplyFor("Suggest a topic"), article.UserContent);
        Assert.Equal("You write articles.", article.Messages[0].Content);
        Assert.Equal(0.3, topic.Options!["temperature"]!.GetValue<double>(), 3);
        Assert.Equal(40, topic.Options!["num_predict"]!.GetValue<int>());
        Assert.Null(topic.Options!["timeout"]);
        Assert.False(topic.Body!.ContainsKey("timeout"));
        Assert.Equal(7, article.Options!["seed"]!.GetValue<int>());
    }

    [Fact]
    public async Task DynamicBatchForm_RunsTheTemplateOverTheDirectory()
    {
        Workflow("""
            name: "Summarize Meeting Notes"
            type: "batch"
            batch:
              directory: "docs"
              pattern: "meeting_*.txt"
            template:
              method: "llm/chat"
              model: "llama3.2:latest"
              temperature: 0.1
              messages:
                - role: "system"
                  content: "You are a meeting notes summarizer"
                - role: "user"
                  content: "Extract action items"
            """);

        var result = await _h.RunAsync("run", "workflow.yaml");

        Assert.True(result.ExitCode == 0, result.ToString());
        var chat = Assert.Single(_h.Server.ChatRequests);
        Assert.Equal("meeting_notes.txt", chat.FileName);
        Assert.Equal("You are a meeting notes summarizer", chat.Messages[0].Content);
        Assert.Equal(0.1, chat.Options!["temperature"]!.GetValue<double>(), 3);
    }

    [Fact]
    public async Task Documents_InABatchTaskAndAsATasksFile_AreSentAsTheirText_AndASecondRunSendsNothing()
    {
        var manuals = Path.Combine(_h.Root, "manuals");
        Directory.CreateDirectory(manuals);
        File.Copy(Path.Combine(AppContext.BaseDirectory, "TestData", "Documents", "shared-mime-info-spec.pdf"), Path.Combine(manuals, "spec.pdf"));
        File.Copy(Path.Combine(AppContext.BaseDirectory, "TestData", "Documents", "pandoc-meadows.docx"), Path.Combine(manuals, "meadows.docx"));
        Workflow("""
            name: "Manuals"
            tasks:
              - name: "summaries"
                protocol: "llm/v1"
                method: "llm/chat"
                params:
                  directory: "manuals"
                  file_pattern: "*.*"
                  messages:
                    - role: "user"
                      content: "Summarize"
              - id: "title"
                method: "llm/chat"
                parameters:
                  model: "llama3.2"
                  file_path: "manuals/spec.pdf"
                  messages:
                    - role: "user"
                      content: "Give the document a title"
            """);

        var result = await _h.RunAsync("run", "workflow.yaml");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal(3, _h.Server.ChatRequests.Count);
        Assert.All(_h.Server.ChatRequests, c => Assert.DoesNotContain("%PDF", c.UserContent, StringComparison.Ordinal));
        Assert.Equal(2, _h.Server.ChatRequests.Count(c => c.UserContent.Contains("Shared MIME-info Database", StringComparison.Ordinal)));
        Assert.Contains(_h.Server.ChatRequests, c => c.FileName == "meadows.docx" && c.UserContent.Contains("| Pipe a\\|b | red | 3 |", StringComparison.Ordinal));
        _h.Server.ClearLog();

        var again = await _h.RunAsync("run", "workflow.yaml");

        Assert.True(again.ExitCode == 0, again.ToString());
        Assert.Empty(_h.Server.ChatRequests);
    }

    [Fact]
    public async Task SchemaFormat_IsSentAsAnObject_AndUnsetFieldsAreLeftOut()
    {
        Workflow("""
            name: "Structured"
            tasks:
              - name: "titles"
                method: "llm/chat"
                parameters:
                  model: "llama3.2"
                  file_path: "docs/meeting_notes.txt"
                  format:
                    type: object
                    properties:
                      title: { type: string }
                    required: [title]
                  messages:
                    - role: "user"
                      content: "Give the document a title"
              - name: "plain"
                method: "llm/chat"
                parameters:
                  model: "llama3.2"
                  messages:
                    - role: "user"
                      content: "Say hello"
            """);

        var result = await _h.RunAsync("run", "workflow.yaml");

        Assert.True(result.ExitCode == 0, result.ToString());
        var titles = _h.Server.ChatRequests.Single(c => c.FileName is not null);
        var schema = Assert.IsType<JsonObject>(titles.Format);
        Assert.Equal("object", schema["type"]!.GetValue<string>());
        Assert.Equal("title", schema["required"]![0]!.GetValue<string>());
        var plain = _h.Server.ChatRequests.Single(c => c.FileName is null);
        Assert.False(plain.Body!.ContainsKey("format"));
        Assert.False(plain.Body!.ContainsKey("options"));
    }

    [Fact]
    public async Task UnsupportedProtocol_IsAnErrorNamingTheTask_AndNothingRuns()
    {
        Workflow("""
            name: "Mixed"
            tasks:
              - name: "ask"
                method: "llm/chat"
                params:
                  messages:
                    - role: "user"
                      content: "hi"
              - name: "crunch"
                protocol: "python/v1"
                method: "python/execute"
                params:
                  file: "x.py"
            """);

        var result = await _h.RunAsync("run", "workflow.yaml");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("workflow.yaml(9,", result.Error, StringComparison.Ordinal);
        Assert.Contains("task 'crunch'", result.Error, StringComparison.Ordinal);
        Assert.Contains("python/v1", result.Error, StringComparison.Ordinal);
        Assert.Empty(_h.Server.ChatRequests);
    }

    [Fact]
    public async Task UnresolvableReference_IsAnErrorNamingIt()
    {
        Workflow("""
            tasks:
              - id: "write"
                method: "llm/chat"
                params:
                  messages:
                    - role: "user"
                      content: "Expand ${outline.response}"
            """);

        var result = await _h.RunAsync("run", "workflow.yaml");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("'outline'", result.Error, StringComparison.Ordinal);
        Assert.Contains("GZ1004", result.Error, StringComparison.Ordinal);
        Assert.Empty(_h.Server.ChatRequests);
    }

    [Fact]
    public async Task BrokenYaml_NamesFileLineAndColumn()
    {
        Workflow("tasks:\n  - name: \"a\"\n    params: {messages: [\n");

        var result = await _h.RunAsync("run", "workflow.yaml");

        Assert.Equal(2, result.ExitCode);
        Assert.Matches(@"workflow\.yaml\(\d+,\d+\): error GZ1003: invalid YAML", result.Error);
    }

    [Fact]
    public async Task FailedDependency_StopsItsDependants()
    {
        Workflow("""
            tasks:
              - id: "first"
                params:
                  messages: [{role: user, content: "explode please"}]
              - id: "second"
                dependencies: [first]
                params:
                  messages: [{role: user, content: "after ${first.result}"}]
            """);
        _h.Server.InjectFault(Gleitzeit.Testing.ServerFault.BadRequest, times: 10, match: "explode");

        var result = await _h.RunAsync("run", "workflow.yaml");

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("task second: not run: dependency 'first' did not succeed", result.Out, StringComparison.Ordinal);
        Assert.Single(_h.Server.ChatRequests);
    }
}
