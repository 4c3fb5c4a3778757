export { KAFKA, KAFKA_PRODUCER, KafkaModule } from './kafka.module';
