%% echo: the Erlang peer of the echo benchmark (bench/run.sh echo). Listens
%% on 127.0.0.1:PORT with gen_tcp and serves each connection in a process
%% of its own ({active, false}: a blocking gen_tcp:recv, then gen_tcp:send),
%% sending back every byte until the client closes. SIGTERM stops the node
%% (init:stop, exit status 0).
%%
%%   erlc echo.erl && erl -noshell -pa . -run echo main 7000
-module(echo).
-export([main/1, accept/1, handle/1]).

main([PortS]) ->
    Port = list_to_integer(PortS),
    {ok, L} = gen_tcp:listen(Port, [binary, {ip, {127, 0, 0, 1}}, {active, false},
                                    {reuseaddr, true}, {nodelay, true},
                                    {backlog, 4096}]),
    io:format("echo_erl: listening on 127.0.0.1:~b~n", [Port]),
    %% The listening socket belongs to the acceptor: the node stays up
    %% while it runs (the -run caller returns at once).
    Acceptor = spawn(fun() -> receive go -> accept(L) end end),
    ok = gen_tcp:controlling_process(L, Acceptor),
    Acceptor ! go.

accept(L) ->
    case gen_tcp:accept(L) of
        {ok, S} ->
            Pid = spawn(?MODULE, handle, [S]),
            ok = gen_tcp:controlling_process(S, Pid),
            Pid ! go,
            accept(L);
        {error, Reason} ->
            io:format(standard_error, "echo_erl: accept: ~p~n", [Reason]),
            halt(1)
    end.

handle(S) ->
    receive go -> loop(S) end.

loop(S) ->
    case gen_tcp:recv(S, 0) of
        {ok, Data} ->
            case gen_tcp:send(S, Data) of
                ok -> loop(S);
                {error, _} -> gen_tcp:close(S)
            end;
        {error, _} -> % closed, or reset by the client
            gen_tcp:close(S)
    end.
