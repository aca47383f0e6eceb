%% sup_restart: restart throughput of an OTP supervisor (the supervisor
%% behaviour), one_for_one, with one permanent child that exits at once
%% with a non-normal reason. The child's start function runs in the
%% supervisor (as in sup_restart.vmasm): it spawns and links the worker,
%% tells main 'started' and returns {ok, Pid}. main waits for N+1 starts
%% (the first and N restarts), prints "restarts N" and stops the
%% supervisor.
%%   erl -noshell -run sup_restart main [N]      default 20000
%%
%% The worker is a plain process that calls exit(crash): unlike an error
%% or a proc_lib process, that logs nothing. The supervisor itself logs a
%% child_terminated supervisor report per restart (an error-level logger
%% event); the primary logger level is set to none for the run so that
%% stderr is not what we time (logger:allow/2 then says no and the report
%% is not even built).
%%
%% Intensity 1000000 is never reached; the period is 1 s, the smallest
%% OTP allows (an integer of seconds). Note that OTP's supervisor keeps the
%% time of every restart within the period in a list that it walks and
%% copies on each restart (supervisor:add_restart/3), so a sustained
%% storm costs O(restarts in the last 1-2 s) per restart: the figure falls
%% as N grows. sup_restart.vmasm PERIOD_MS=1000 does the same bookkeeping.
-module(sup_restart).
-behaviour(supervisor).
-export([main/0, main/1, init/1, start_child/1, worker/0]).

main() -> main(["20000"]).
main([NS | _]) ->
    N = list_to_integer(NS),
    ok = logger:set_primary_config(level, none),
    {ok, Sup} = supervisor:start_link(?MODULE, self()),
    wait(N + 1),
    io:format("restarts ~w~n", [N]),
    ok = gen_server:stop(Sup),
    halt(0).

wait(0) -> ok;
wait(K) -> receive started -> wait(K - 1) end.

init(Main) ->
    {ok, {#{strategy => one_for_one, intensity => 1000000, period => 1},
          [#{id => worker, start => {?MODULE, start_child, [Main]},
             restart => permanent, shutdown => brutal_kill, type => worker}]}}.

%% run by the supervisor
start_child(Main) ->
    Pid = spawn_link(?MODULE, worker, []),
    Main ! started,
    {ok, Pid}.

worker() -> exit(crash).
