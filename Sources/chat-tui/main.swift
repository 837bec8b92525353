import ChatTUI

await CommandLineRunner.main(ChatTUICommand.self)
