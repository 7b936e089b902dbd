using PerfCluster.Core.Input;
using PerfCluster.Core.Scenarios;
using PerfCluster.Core.Steps;
using Xunit;

namespace PerfCluster.Core.Tests.Steps;

/// <summary>A scenario's gRPC contract compiled by protoc at load, its grpc steps, and what is refused at which line.</summary>
public sealed class GrpcLoadingSpecs : IDisposable
{
    private const string Head = "target = \"http://127.0.0.1:1\"\nconcurrent-users = 5\nduration = 5s\ngrpc { protos = [\"demo.proto\"] }\n";
    private readonly string _dir = Directory.CreateTempSubdirectory("perfcluster-grpc-").FullName;

    public GrpcLoadingSpecs() =>
        File.Copy(Path.Combine(Scenarios.ShippedScenarioSpecs.ScenarioFolder, "..", "protos", "demo.proto"), Path.Combine(_dir, "demo.proto"));

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private ScenarioDefinition Load(string text)
    {
        var file = Path.Combine(_dir, "scenario.conf");
        File.WriteAllText(file, text);
        return ScenarioLoader.LoadFile(file).Scenarios.Single();
    }

    private ScenarioException Rejects(string text) => Assert.Throws<ScenarioException>(() => Load(text));

    [Fact]
    public void Should_compile_the_protos_at_load_into_methods_descriptors_and_message_classes()
    {
        var s = Load(Head + """
            flow = [
              { grpc { method = "perfcluster.demo.Greeter/SayHello", message = "{\"name\": \"{{vu}}\"}", metadata { X-User = "{{vu}}" }, expect-code = [OK, not_found] } }
              { grpc { name = count, method = "perfcluster.demo.Greeter/Countdown", timeout = 2s, check { five { json = "length(@)", equals = "5" } } } }
            ]
            """);

        var grpc = Assert.IsType<GrpcDefinition>(s.Journey!.Grpc);
        Assert.Equal(["perfcluster.demo.Greeter/Countdown", "perfcluster.demo.Greeter/Fail", "perfcluster.demo.Greeter/NotServed", "perfcluster.demo.Greeter/SayHello"],
            grpc.Methods.Keys.Order(StringComparer.Ordinal));
        Assert.Contains(grpc.Generated, g => g.Text.Contains("class HelloRequest"));
        var steps = s.Journey.Flows[0].Steps.Cast<GrpcStep>().ToList();
        Assert.Equal(("perfcluster.demo.HelloRequest", "perfcluster.demo.HelloReply", false), (steps[0].Method.InputType, steps[0].Method.OutputType, steps[0].Method.ServerStreaming));
        Assert.Equal([0, 5], steps[0].ExpectCodes);
        Assert.Equal("x-user", steps[0].Metadata[0].Name);
        Assert.True(steps[1].Method.ServerStreaming);
        Assert.Equal(TimeSpan.FromSeconds(2), steps[1].Timeout);
        Assert.Equal(["gRPC perfcluster.demo.Greeter/SayHello", "count"], s.Endpoints.Select(e => e.Name));
        Assert.True(s.SendsHttp);
    }

    [Fact]
    public void Should_carry_only_the_proto_files_so_wherever_it_is_read_protoc_compiles_the_same_contract()
    {
        File.WriteAllText(Path.Combine(_dir, "common.proto"), "syntax = \"proto3\";\npackage c;\nmessage Ping { string id = 1; }\n");
        File.WriteAllText(Path.Combine(_dir, "svc.proto"), "syntax = \"proto3\";\npackage s;\nimport \"common.proto\";\nservice P { rpc Do (c.Ping) returns (c.Ping); }\n");
        var s = Load(Head.Replace("demo.proto", "svc.proto") + "flow = [ { grpc { method = \"s.P/Do\" } } ]");

        Assert.Equal(["common.proto", "svc.proto"], s.Journey!.Grpc!.Protos.Select(p => p.File).Order(StringComparer.Ordinal));
        var written = ScenarioJson.Write(s);
        Assert.DoesNotContain("class Ping", written);          // no C# travels: a worker runs protoc itself
        var back = ScenarioJson.Read(written);
        Assert.Equal(s.Journey.Grpc, back.Journey!.Grpc);
        Assert.Equal(s.Journey.Grpc.Hash, back.Journey.Grpc!.Hash);
        Assert.Equal("c.Ping", Assert.IsType<GrpcStep>(back.Journey.Flows[0].Steps[0]).Method.InputType);
    }

    [Fact]
    public void Should_refuse_a_carried_file_that_would_be_written_outside_its_folder()
    {
        var error = Assert.Throws<ScenarioException>(() => Load(
            "target = \"http://127.0.0.1:1\"\nconcurrent-users = 5\nduration = 5s\ngrpc { files = [ { path = \"../../x.proto\", text = \"syntax = \\\"proto3\\\";\" } ] }\nflow = [ { pause = 1s } ]"));
        Assert.Contains("is not the import name of a .proto file", error.Message);
    }

    [Theory]
    [InlineData("flow = [ { grpc { method = \"perfcluster.demo.Greeter/SayHelo\" } } ]", "has no method 'SayHelo'; did you mean 'SayHello'?", 5)]
    [InlineData("flow = [ { grpc { method = \"perfcluster.demo.Greetr/SayHello\" } } ]", "unknown gRPC service 'perfcluster.demo.Greetr'; did you mean 'perfcluster.demo.Greeter'?", 5)]
    [InlineData("flow = [ { grpc { method = \"SayHello\" } } ]", "write package.Service/Method", 5)]
    [InlineData("flow = [ { grpc { method = \"perfcluster.demo.Greeter/SayHello\", expect-code = MAYBE } } ]", "is not a gRPC status code", 5)]
    [InlineData("flow = [ { grpc { method = \"perfcluster.demo.Greeter/SayHello\", check { s { status = 200 } } } } ]", "has no HTTP status", 5)]
    [InlineData("flow = [ { grpc { method = \"perfcluster.demo.Greeter/SayHello\", metadata { grpc-timeout = 1 } } } ]", "not grpc-*", 5)]
    public void Should_reject_bad_grpc_steps_with_the_line(string flow, string message, int line)
    {
        var error = Rejects(Head + flow);
        Assert.Contains(message, error.Message);
        Assert.Equal(line, error.Position!.Line);
    }

    [Fact]
    public void Should_reject_a_grpc_step_without_the_grpc_block()
    {
        var error = Rejects("target = \"http://127.0.0.1:1\"\nconcurrent-users = 5\nduration = 5s\nflow = [ { grpc { method = \"a.B/C\" } } ]");
        Assert.Contains("needs the scenario's 'grpc' block", error.Message);
    }

    [Fact]
    public void Should_report_a_proto_that_does_not_compile_at_protocs_file_line_and_column()
    {
        File.WriteAllText(Path.Combine(_dir, "demo.proto"), "syntax = \"proto3\";\npackage x;\nmessage A {\n  int32 a = 1\n}\n");
        var error = Rejects(Head + "flow = [ { pause = 1s } ]");
        Assert.Contains("the .proto does not compile", error.Message);
        Assert.Equal(Path.Combine(_dir, "demo.proto"), error.Position!.File);
        Assert.Equal(5, error.Position.Line);
    }

    [Fact]
    public void Should_refuse_a_client_streaming_method()
    {
        File.WriteAllText(Path.Combine(_dir, "demo.proto"), "syntax = \"proto3\";\npackage x;\nmessage A { int32 a = 1; }\nservice S { rpc Up (stream A) returns (A); }\n");
        var error = Rejects(Head + "flow = [ { grpc { method = \"x.S/Up\" } } ]");
        Assert.Contains("streams from the client", error.Message);
    }

    [Fact]
    public void Should_name_a_missing_proto_file()
    {
        var error = Rejects(Head.Replace("demo.proto", "nope.proto") + "flow = [ { pause = 1s } ]");
        Assert.Contains("file 'nope.proto' not found", error.Message);
        Assert.Equal(4, error.Position!.Line);
    }
}
