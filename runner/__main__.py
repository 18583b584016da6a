from runner.worker import main

main()
